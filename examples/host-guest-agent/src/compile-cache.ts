/**
 * Imported first by the agent: keeps the compiled code of the agent and its packages on disk
 * between starts (Node 22.1 and later; NODE_COMPILE_CACHE picks the directory, default
 * os.tmpdir()/node-compile-cache; NODE_DISABLE_COMPILE_CACHE=1 turns it off). Loading
 * @vmrpc/rpc took 3.4 s without it and 2.4 s with it in a TCG guest (docs/agents.md, "Start-up").
 */
import * as nodeModule from 'node:module';

(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
