/**
 * What the subscription health job has to change so that Shopify holds exactly the subscriptions our records say a
 * shop should have. Pure: the job (health.server.ts) gathers the inputs and carries out the plan.
 *
 * Identity of a subscription is (topic, uri): Shopify refuses a second subscription with both equal, and our
 * `liveKey` allows one live row per pair, so both sides can be matched on it. A row's stored Shopify id may be out
 * of date (Shopify dropped the subscription and something re-created it); the pair is what counts.
 */

export interface SwitchState {
  key: string;
  enabled: boolean;
  /** A toggle (or another repair) holds the switch right now: none of its rows or subscriptions are touched. */
  busy: boolean;
  topics: readonly string[];
}

export interface LiveRow {
  id: string;
  sync: string;
  topic: string;
  uri: string;
  shopifyId: string | null;
  status: string; // pending | active
}

export interface RemoteSubscription {
  id: string;
  topic: string;
  uri: string;
}

export type Repair =
  /** Shopify has it; the row lacks the id or is still pending (a toggle that crashed after Shopify answered). */
  | { kind: "confirm"; sync: string; rowId: string; topic: string; uri: string; shopifyId: string; previousShopifyId: string | null }
  /** Shopify has a subscription an enabled switch needs, and no row records it: record it. */
  | { kind: "adopt"; sync: string; topic: string; uri: string; shopifyId: string }
  /**
   * An enabled switch's topic that Shopify does not hold (dropped after failed deliveries, or never created):
   * create it. `rowId` is the live row that described it, if any.
   */
  | { kind: "recreate"; sync: string; topic: string; uri: string; rowId: string | null; previousShopifyId: string | null }
  /** A live row no enabled switch explains (switch off, topic gone, app URL moved): delete in Shopify, mark deleted. */
  | { kind: "retire"; sync: string; rowId: string; topic: string; uri: string; shopifyId: string | null }
  /** Ours in Shopify (our webhook path, a sync topic) but no live row explains it: delete it. */
  | { kind: "stray"; topic: string; uri: string; shopifyId: string };

export interface PlanInput {
  /** SHOPIFY_APP_URL without a trailing slash. */
  appUrl: string;
  switches: SwitchState[];
  rows: LiveRow[];
  remote: RemoteSubscription[];
  /** Every topic any switch may subscribe to: only those are ever called strays. */
  syncTopics: readonly string[];
  /** topic → the path Shopify delivers it to (definitions.webhookPath). */
  pathOf(topic: string): string;
}

const pair = (topic: string, uri: string) => `${topic}\u0000${uri}`;

export function planRepairs(input: PlanInput): Repair[] {
  const appUrl = input.appUrl.replace(/\/+$/, "");
  const remoteByPair = new Map(input.remote.map((r) => [pair(r.topic, r.uri), r]));
  const switchByKey = new Map(input.switches.map((s) => [s.key, s]));
  const explained = new Set<string>();
  const repairs: Repair[] = [];

  // Everything a live row names is explained, whatever state its switch is in: a toggle in flight inserts its row
  // before it asks Shopify, so its new subscription is never mistaken for a stray.
  for (const row of input.rows) explained.add(pair(row.topic, row.uri));

  const desired = new Map<string, { sync: string; topic: string; uri: string }>();
  for (const sw of input.switches) {
    if (!sw.enabled || sw.busy) continue;
    for (const topic of sw.topics) {
      const uri = `${appUrl}${input.pathOf(topic)}`;
      desired.set(pair(topic, uri), { sync: sw.key, topic, uri });
    }
  }

  const rowByPair = new Map<string, LiveRow>();
  for (const row of input.rows) {
    const sw = switchByKey.get(row.sync);
    if (sw?.busy) continue;
    const key = pair(row.topic, row.uri);
    const remote = remoteByPair.get(key);
    const wanted = desired.get(key);
    if (!wanted || wanted.sync !== row.sync) {
      repairs.push({ kind: "retire", sync: row.sync, rowId: row.id, topic: row.topic, uri: row.uri, shopifyId: remote?.id ?? null });
      continue;
    }
    rowByPair.set(key, row);
    if (!remote) {
      repairs.push({ kind: "recreate", sync: row.sync, topic: row.topic, uri: row.uri, rowId: row.id, previousShopifyId: row.shopifyId });
    } else if (row.status !== "active" || row.shopifyId !== remote.id) {
      repairs.push({
        kind: "confirm",
        sync: row.sync,
        rowId: row.id,
        topic: row.topic,
        uri: row.uri,
        shopifyId: remote.id,
        previousShopifyId: row.shopifyId,
      });
    }
  }

  for (const [key, wanted] of desired) {
    if (rowByPair.has(key)) continue;
    // A retired row of another switch with the same pair is impossible (topics belong to one switch), so a
    // missing row here means none exists.
    const remote = remoteByPair.get(key);
    if (remote) {
      explained.add(key);
      repairs.push({ kind: "adopt", sync: wanted.sync, topic: wanted.topic, uri: wanted.uri, shopifyId: remote.id });
    } else {
      repairs.push({ kind: "recreate", sync: wanted.sync, topic: wanted.topic, uri: wanted.uri, rowId: null, previousShopifyId: null });
    }
  }

  const ourPrefix = `${appUrl}/webhooks/`;
  for (const remote of input.remote) {
    if (!remote.uri.startsWith(ourPrefix) || !input.syncTopics.includes(remote.topic)) continue;
    if (explained.has(pair(remote.topic, remote.uri))) continue;
    repairs.push({ kind: "stray", topic: remote.topic, uri: remote.uri, shopifyId: remote.id });
  }
  return repairs;
}
