import fs from 'node:fs';
import path from 'node:path';

/**
 * A server keeps the resources it serves in memory, so a second process writing to the same data folder would
 * not be seen until the server restarts. The server records its pid in DATA_DIR/server.pid; tools that write
 * to the embedded store refuse to while that process lives.
 */
export const PID_FILE = 'server.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a live server using the data folder, if any (a stale pid file is ignored). */
export function serverUsing(dataDir: string): number | undefined {
  let raw: string;
  try {
    raw = fs.readFileSync(path.join(dataDir, PID_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
  const pid = Number(raw);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  return alive(pid) ? pid : undefined;
}

/** Claims the data folder for this server process; returns the release function. */
export function claimDataDir(dataDir: string): () => void {
  const other = serverUsing(dataDir);
  if (other !== undefined) throw new Error(`Another server (pid ${other}) uses the data folder ${dataDir}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, PID_FILE);
  fs.writeFileSync(file, `${process.pid}\n`);
  return () => {
    try {
      if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
    } catch {
      // already gone
    }
  };
}
