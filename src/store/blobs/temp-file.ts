import { close, fdatasync } from "node:fs";
import { unlink } from "node:fs/promises";
import { promisify } from "node:util";

const closeAsync = promisify(close);
const fdatasyncAsync = promisify(fdatasync);

/**
 * A put's temp file. Its descriptor is closed once and its path is given up once — removed, or
 * handed over to a rename — so a failure at any step cleans up exactly what is still there.
 */
export class TempFile {
  private open = true;
  private present = true;

  constructor(
    readonly path: string,
    readonly fd: number,
  ) {}

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await closeAsync(this.fd);
  }

  /** Makes the bytes durable, then closes: the step before a crash-safe rename. */
  async syncAndClose(): Promise<void> {
    await fdatasyncAsync(this.fd);
    await this.close();
  }

  /** The path now belongs to a rename (which cleans up after itself); nothing to remove here. */
  handOver(): string {
    this.present = false;
    return this.path;
  }

  async remove(): Promise<void> {
    await this.close();
    if (!this.present) return;
    this.present = false;
    await unlink(this.path);
  }

  /** Cleanup on failure: best effort, never throws. */
  async discard(): Promise<void> {
    await this.close().catch(() => undefined);
    await this.remove().catch(() => undefined);
  }
}
