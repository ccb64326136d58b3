/**
 * "Import existing customers" (issue 6 point 5): the `consent.import` bulk kind. One bulk query reads every
 * customer with the consent of its default email address and phone number; each line goes through
 * `importConsent`: the record is updated if the import is newer than what the app holds, and the customer's
 * current consent is sent to the platform as `consent.changed` once (the event's key is the customer, channel,
 * state and time, so a replayed batch, a second import or a webhook that already carried it sends nothing again).
 * Only channels whose switch is on are imported; the run stops if both are turned off.
 */
import { z } from "zod";

import { defineBulkKind, type BulkLine } from "~/bulk/define.server";
import { bulkDocument } from "~/bulk/document";
import { bulkRunProgress, latestBulkRun, startBulkRun, type BulkRunProgress, type StartedBulkRun } from "~/bulk/runner.server";
import type { PrismaClient } from "~/db.server";
import { CONSENT_IMPORT_BULK_QUERY } from "~/graphql/ConsentImportBulk";
import { numericId } from "~/webhooks/json";

import { CONSENT_SYNC, parseOptInLevel, parseState, toConsentTime, type ConsentChannel } from "./model";
import { enabledChannels, importInTransaction, type ObservedConsent } from "./records.server";

export const CONSENT_IMPORT_KIND = "consent.import";
/** Consent observations applied per transaction. */
const IMPORT_CHUNK = 50;

export const importParamsSchema = z.object({
  /** Shopify search over customers; empty: all of them. */
  search: z.string(),
});
export type ImportParams = z.output<typeof importParamsSchema>;

export const SWITCH_OFF_REASON = "Consent sync was turned off, so the import stopped. Turn it on to import again.";

interface ConsentNode {
  emailAddress?: string | null;
  phoneNumber?: string | null;
  marketingState?: string | null;
  marketingOptInLevel?: string | null;
  marketingUpdatedAt?: string | null;
  marketingCollectedFrom?: string | null;
}

/** One JSONL line → the consent of each channel the customer has (no email: no email consent). */
export function observationsOfLine(line: BulkLine, channels: readonly ConsentChannel[]): ObservedConsent[] {
  const customerId = numericId(String(line.id));
  const out: ObservedConsent[] = [];
  const add = (channel: ConsentChannel, node: ConsentNode | null | undefined) => {
    if (!node || !channels.includes(channel)) return;
    const state = parseState(node.marketingState);
    if (!state) return;
    out.push({
      customerId,
      channel,
      address: (channel === "email" ? node.emailAddress : node.phoneNumber) ?? null,
      state,
      optInLevel: parseOptInLevel(node.marketingOptInLevel),
      consentAt: node.marketingUpdatedAt ? toConsentTime(node.marketingUpdatedAt) : null,
      collectedFrom: channel === "sms" ? (node.marketingCollectedFrom ?? null) : null,
    });
  };
  add("email", line.defaultEmailAddress as ConsentNode | null | undefined);
  add("sms", line.defaultPhoneNumber as ConsentNode | null | undefined);
  return out;
}

export const consentImportKind = defineBulkKind<ImportParams>({
  kind: CONSENT_IMPORT_KIND,
  paramsSchema: importParamsSchema,
  query: (params) => bulkDocument(CONSENT_IMPORT_BULK_QUERY, { search: params.search }),
  groupObjects: false,
  batchSize: 250,
  sync: CONSENT_SYNC,
  async proceed({ db, shop }) {
    return (await enabledChannels(db, shop)).length ? null : SWITCH_OFF_REASON;
  },
  async consume({ db, shop }, lines) {
    const channels = await enabledChannels(db, shop);
    const observations = lines.flatMap((line) => observationsOfLine(line, channels));
    // Idempotent per line: a replayed batch finds each record at the same version and each event already sent.
    // A few customers per transaction: one commit per customer made the import commit-bound.
    for (let i = 0; i < observations.length; i += IMPORT_CHUNK) {
      const chunk = observations.slice(i, i + IMPORT_CHUNK);
      await db.$transaction(async (tx) => {
        for (const observed of chunk) await importInTransaction(tx, shop, observed);
      });
    }
  },
});

export class ImportNotAllowedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportNotAllowedError";
  }
}

/** Starts an import of every customer's consent, or returns the one already running. */
export async function startConsentImport(db: PrismaClient, shop: string, now = new Date(), search = ""): Promise<StartedBulkRun> {
  if (!(await enabledChannels(db, shop)).length) {
    throw new ImportNotAllowedError("Turn on email or SMS consent first: imported consent is sent to your platform.");
  }
  return startBulkRun(db, shop, CONSENT_IMPORT_KIND, { search }, now);
}

export interface ImportStatus {
  canStart: boolean;
  blockedReason: string | null;
  run: BulkRunProgress | null;
}

export async function loadImportStatus(db: PrismaClient, shop: string): Promise<ImportStatus> {
  const [channels, latest] = await Promise.all([enabledChannels(db, shop), latestBulkRun(db, shop, CONSENT_IMPORT_KIND)]);
  const run = latest ? bulkRunProgress(latest) : null;
  const blockedReason = !channels.length
    ? "Turn on email or SMS consent to import existing customers."
    : run?.active
      ? "An import is already running."
      : null;
  return { canStart: blockedReason === null, blockedReason, run };
}
