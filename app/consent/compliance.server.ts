/**
 * The consent sync's customer data for the compliance webhooks (app/compliance/customer-data.server.ts registers
 * it): the customer's consent records (by id, and by email/phone for rows of a customer the app knew only by
 * address) and the platform's consent changes naming the customer's email or phone or applied to the customer.
 * customers/redact deletes both: a consent record without its person has no use, and the platform keeps its own.
 */
import type { Db } from "~/db.server";
import type { CustomerDataHolder, CustomerRef } from "~/compliance/customer-data.server";

import { normaliseEmail, normalisePhone } from "./model";

function recordOwnership(customer: CustomerRef) {
  return [
    { customerId: customer.id },
    ...(customer.email ? [{ channel: "email", address: normaliseEmail(customer.email) }] : []),
    ...(customer.phone ? [{ channel: "sms", address: normalisePhone(customer.phone) }] : []),
  ];
}

function changeOwnership(customer: CustomerRef) {
  return [
    { customerId: customer.id },
    ...(customer.email ? [{ channel: "email", key: normaliseEmail(customer.email) }, { email: customer.email }] : []),
    ...(customer.phone ? [{ channel: "sms", key: normalisePhone(customer.phone) }, { phone: customer.phone }] : []),
  ];
}

async function exportConsent(db: Db, shop: string, customer: CustomerRef): Promise<unknown[]> {
  const [records, changes] = await Promise.all([
    db.consentRecord.findMany({ where: { shop, OR: recordOwnership(customer) }, orderBy: { channel: "asc" } }),
    db.consentChange.findMany({ where: { shop, OR: changeOwnership(customer) }, orderBy: { receivedAt: "asc" } }),
  ]);
  return [
    ...records.map((r) => ({
      kind: "consent",
      channel: r.channel,
      address: r.address,
      state: r.state,
      optInLevel: r.optInLevel,
      consentUpdatedAt: r.consentAt?.toISOString() ?? null,
      collectedFrom: r.collectedFrom,
    })),
    ...changes.map((c) => ({
      kind: "consent change from the platform",
      channel: c.channel,
      email: c.email,
      phone: c.phone,
      state: c.state,
      optInLevel: c.optInLevel,
      decidedAt: c.decidedAt.toISOString(),
      status: c.status,
      reason: c.reason,
      receivedAt: c.receivedAt.toISOString(),
    })),
  ];
}

export const consentData: CustomerDataHolder = {
  name: "marketing consent",
  async export(db, shop, customer) {
    return exportConsent(db, shop, customer);
  },
  async redact(db, shop, customer) {
    const records = await db.consentRecord.deleteMany({ where: { shop, OR: recordOwnership(customer) } });
    const changes = await db.consentChange.deleteMany({ where: { shop, OR: changeOwnership(customer) } });
    return records.count + changes.count;
  },
};
