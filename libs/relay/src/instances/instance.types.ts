/** A running process that embeds the runtime, as recorded by its heartbeat. */
export interface Instance {
  id: string;
  service: string;
  /** Handler names this process can run (`webhook` and `log` included when it runs workers). */
  handlers: string[];
  version: string;
  /** Its MAX_SUBSCRIPTIONS_PER_INSTANCE, when set: the others take what it cannot. */
  maxSubscriptions?: number;
  startedAt: Date;
  lastSeen: Date;
}
