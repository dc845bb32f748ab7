import { pino, type Logger } from 'pino';

export type { Logger };

/** The one logger of the process. Level from SAMSA_LOG_LEVEL (default info); JSON lines on stderr. */
export const log: Logger = pino(
  { level: process.env.SAMSA_LOG_LEVEL ?? 'info', base: { pid: process.pid } },
  pino.destination({ dest: 2, sync: false }),
);
