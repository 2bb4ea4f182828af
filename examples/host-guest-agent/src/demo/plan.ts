/** What the demo's host asks and its agent allows, in one place for every way the demo runs. */

/** Arguments of host.js for the demo: exit after one agent, show answers and refusals. */
export function demoHostArgs(listen: string, waitSeconds: number): string[] {
  return [
    '--listen', listen, '--once', '--wait', String(waitSeconds),
    '--run', 'uname -a',
    // One line on stdout, one on stderr, exit code 2: both streams and the exit code.
    '--run', 'ls -ld /etc /nonexistent',
    // Not on the agent's allow-list: refused.
    '--run', 'reboot',
    '--read', '/etc/os-release',
    '--read', '/etc/vmrpc-demo-missing',
  ];
}

/** Arguments of agent.js for the demo: two commands allowed, exit when the host is done. */
export function demoAgentArgs(connect: string): string[] {
  return ['--connect', connect, '--id', 'demo-agent', '--allow', 'uname', '--allow', 'ls', '--once'];
}
