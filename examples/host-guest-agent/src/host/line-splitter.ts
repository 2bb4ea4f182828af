/** Streamed output cut at arbitrary points, reassembled into whole lines (UTF-8 safe). */
export class LineSplitter {
  private readonly decoder = new TextDecoder();
  private rest = '';

  /** The lines this chunk completes. */
  push(chunk: Uint8Array): string[] {
    const lines = (this.rest + this.decoder.decode(chunk, { stream: true })).split('\n');
    this.rest = lines.pop() ?? '';
    return lines;
  }

  /** The last line, if the output did not end with a newline. */
  flush(): string[] {
    const last = this.rest + this.decoder.decode();
    this.rest = '';
    return last === '' ? [] : [last];
  }
}
