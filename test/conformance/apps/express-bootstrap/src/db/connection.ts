import { setTimeout as delay } from 'node:timers/promises';

export interface Database {
  url: string;
  items: Array<{ id: number; name: string }>;
}

/** A connection that takes its time, as a database across a network does (DB_CONNECT_MS). */
export async function connect(url: string): Promise<Database> {
  await delay(Number(process.env.DB_CONNECT_MS ?? 600));
  return {
    url,
    items: [
      { id: 1, name: 'kettle' },
      { id: 2, name: 'teapot' },
    ],
  };
}
