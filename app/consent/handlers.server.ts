/**
 * The consent sync's webhook handlers; app/webhooks/handlers.server.ts files them under the consent switches.
 *
 * Payloads (shopify-platform.md, Marketing consent):
 *   customers/email_marketing_consent/update  {customer_id, email_address, email_marketing_consent{state, opt_in_level, consent_updated_at}}
 *   customers/marketing_consent/update (SMS)  {id, phone, sms_marketing_consent{state, opt_in_level, consent_updated_at, consent_collected_from}}
 * Shopify's SMS example names the customer `id` and the number `phone`; `customer_id` / `phone_number` are accepted
 * as well, so either spelling works. Ids are parsed losslessly (app/webhooks/json.ts) and kept as strings.
 */
import { z } from "zod";

import { shopifyId } from "~/webhooks/json";
import type { WebhookHandler } from "~/webhooks/handlers.server";

import { parseOptInLevel, parseState, SWITCH_OF_CHANNEL, toConsentTime, type ConsentChannel } from "./model";
import { channelEnabled, observeConsent, type ObservedConsent } from "./records.server";

const consentTime = z
  .string()
  .nullish()
  .transform((v, ctx) => {
    if (!v) return null;
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: "not a timestamp" });
      return z.NEVER;
    }
    return toConsentTime(ms);
  });

const state = z.string().transform((v, ctx) => {
  const parsed = parseState(v);
  if (!parsed) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `unknown marketing state ${v}` });
    return z.NEVER;
  }
  return parsed;
});

const consentFields = z.object({
  state,
  opt_in_level: z.string().nullish().transform((v) => parseOptInLevel(v)),
  consent_updated_at: consentTime,
  consent_collected_from: z.string().nullish(),
});

export const emailConsentPayloadSchema = z
  .object({
    customer_id: shopifyId.optional(),
    id: shopifyId.optional(),
    email_address: z.string().nullish(),
    email_marketing_consent: consentFields.nullable(),
  })
  .passthrough()
  .refine((p) => p.customer_id ?? p.id, "customer_id is missing");

export const smsConsentPayloadSchema = z
  .object({
    id: shopifyId.optional(),
    customer_id: shopifyId.optional(),
    phone: z.string().nullish(),
    phone_number: z.string().nullish(),
    sms_marketing_consent: consentFields.nullable(),
  })
  .passthrough()
  .refine((p) => p.id ?? p.customer_id, "id is missing");

export function observedFromEmailPayload(payload: z.output<typeof emailConsentPayloadSchema>): ObservedConsent | null {
  const consent = payload.email_marketing_consent;
  if (!consent) return null;
  return {
    customerId: (payload.customer_id ?? payload.id)!,
    channel: "email",
    address: payload.email_address ?? null,
    state: consent.state,
    optInLevel: consent.opt_in_level,
    consentAt: consent.consent_updated_at,
    collectedFrom: null,
  };
}

export function observedFromSmsPayload(payload: z.output<typeof smsConsentPayloadSchema>): ObservedConsent | null {
  const consent = payload.sms_marketing_consent;
  if (!consent) return null;
  return {
    customerId: (payload.id ?? payload.customer_id)!,
    channel: "sms",
    address: payload.phone ?? payload.phone_number ?? null,
    state: consent.state,
    optInLevel: consent.opt_in_level,
    consentAt: consent.consent_updated_at,
    collectedFrom: consent.consent_collected_from ?? null,
  };
}

function handler<S extends z.ZodTypeAny>(
  topic: string,
  channel: ConsentChannel,
  schema: S,
  toObserved: (payload: z.output<S>) => ObservedConsent | null,
): WebhookHandler<S> {
  return {
    topic,
    schema,
    sync: SWITCH_OF_CHANNEL[channel],
    async handle({ db, shop, payload, log }) {
      // A delivery that arrives after the switch went off (Shopify retries for hours) is not passed on.
      if (!(await channelEnabled(db, shop, channel))) {
        log.debug({ channel }, "consent webhook while the switch is off: ignored");
        return;
      }
      const observed = toObserved(payload);
      if (!observed) {
        log.debug({ channel }, "consent webhook without consent: nothing to record");
        return;
      }
      const result = await observeConsent(db, shop, observed, "shopify");
      log.debug({ customerId: observed.customerId, channel, outcome: result.outcome }, "consent webhook recorded");
    },
  };
}

export const emailConsentUpdate = handler(
  "CUSTOMERS_EMAIL_MARKETING_CONSENT_UPDATE",
  "email",
  emailConsentPayloadSchema,
  observedFromEmailPayload,
);

export const smsConsentUpdate = handler("CUSTOMERS_MARKETING_CONSENT_UPDATE", "sms", smsConsentPayloadSchema, observedFromSmsPayload);
