/** A running process that embeds the runtime, as recorded by its heartbeat. */
export interface Instance {
  id: string;
  service: string;
  /** Handler names this process can run (`webhook` and `log` included when it runs workers). */
  handlers: string[];
  version: string;
  startedAt: Date;
  lastSeen: Date;
}
