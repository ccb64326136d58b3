// `purchases_` (not nested under app.purchases.tsx): one purchase is a page of its own. The URL is
// /app/purchases/<order id>; the id is Shopify's decimal order id, kept as a string end to end (it can exceed 2^53).
import type { ReactNode } from "react";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Card,
  DataTable,
  InlineGrid,
  InlineStack,
  Layout,
  Link,
  Page,
  Tag,
  Text,
} from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";

import { authenticate } from "~/shopify.server";
import { prisma } from "~/db.server";
import { getPurchaseDetail, type PurchaseDetail } from "~/purchases/query.server";
import { splitTags } from "~/purchases/rules";
import { LIST_PATH, purchaseListUrl } from "~/purchases/filters";
import { absoluteTime, relativeTime } from "~/components/sync/words";
import {
  exclusionReasonText,
  mismatchFieldLabel,
  mismatchValue,
  money,
  sourceLabel,
  statusBadge,
} from "~/components/purchases/words";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const detail = await getPurchaseDetail(prisma, session.shop, params.orderId ?? "");
  if (!detail) throw json({ error: "Purchase not found" }, { status: 404 });
  return { detail, now: new Date().toISOString() };
};

type Detail = PurchaseDetail;
type Purchase = NonNullable<Detail["purchase"]>;

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <BlockStack gap="100">
      <Text as="span" variant="bodySm" tone="subdued">
        {label}
      </Text>
      <Text as="span" breakWord>
        {children}
      </Text>
    </BlockStack>
  );
}

function When({ iso, now, empty = "—" }: { iso: string | null; now: string; empty?: string }) {
  if (!iso) return <>{empty}</>;
  return (
    <>
      {absoluteTime(iso)}
      <br />
      <Text as="span" variant="bodySm" tone="subdued">
        {relativeTime(iso, now)}
      </Text>
    </>
  );
}

function Section({ title, children, badge }: { title: string; children: ReactNode; badge?: ReactNode }) {
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack gap="200" blockAlign="center">
          <Text as="h2" variant="headingSm">
            {title}
          </Text>
          {badge}
        </InlineStack>
        {children}
      </BlockStack>
    </Card>
  );
}

export default function PurchaseDetailPage() {
  const { detail, now } = useLoaderData<typeof loader>();
  const purchase = detail.purchase;
  const title = purchase?.orderName ?? detail.reports[0]?.orderName ?? `Order ${detail.orderId}`;
  const badge = purchase ? statusBadge(purchase.status) : null;
  // Without a purchase the page is a storefront report's: a mismatch once the grace period flagged it.
  const flagged = purchase ? purchase.mismatch : detail.reports.some((r) => r.mismatchAt !== null);
  return (
    <Page
      title={title}
      titleMetadata={
        <InlineStack gap="200">
          {badge && <Badge tone={badge.tone}>{badge.label}</Badge>}
          {flagged && <Badge tone="critical">Mismatch</Badge>}
          {purchase?.test && <Badge>Test</Badge>}
        </InlineStack>
      }
      backAction={{ content: "Purchases received", url: flagged ? purchaseListUrl({ view: "mismatch" }) : LIST_PATH }}
      subtitle={
        purchase
          ? `Placed ${absoluteTime(purchase.orderCreatedAt)} · ${sourceLabel(purchase.sourceName)}`
          : "Reported by the storefront, not received from Shopify"
      }
    >
      <TitleBar title="Purchase" />
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {purchase ? (
              <>
                {purchase.mismatch && <MismatchCard purchase={purchase} reports={detail.reports} now={now} />}
                <StatusCard purchase={purchase} refunds={detail.refunds} now={now} />
                <OrderCard purchase={purchase} />
                <LineItemsCard purchase={purchase} />
              </>
            ) : flagged ? (
              <Banner tone="critical" title="Shopify never sent this order">
                <Text as="p">
                  Your storefront reported a purchase with order id {detail.orderId}, but Shopify sent Syncline no
                  order with that id within the grace period. The order may have been deleted, or its webhook was
                  lost; importing past orders fills such gaps.
                </Text>
              </Banner>
            ) : (
              <Banner tone="info" title="Waiting for Shopify's order">
                <Text as="p">
                  Your storefront reported a purchase with order id {detail.orderId}; Shopify has not sent the order
                  yet. It usually arrives within seconds. If it has not arrived when the grace period ends, it is
                  flagged as a mismatch.
                </Text>
              </Banner>
            )}
            <ReportsCard detail={detail} now={now} />
            {detail.refunds.length > 0 && <RefundsCard refunds={detail.refunds} now={now} />}
            <EventsCard events={detail.events} now={now} />
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function MismatchCard({ purchase, reports, now }: { purchase: Purchase; reports: Detail["reports"]; now: string }) {
  const browserMissing = purchase.mismatchFields.some((f) => f.field === "browser");
  const compared = purchase.mismatchFields.filter((f) => f.field !== "browser" && f.field !== "server");
  // Totals are compared in the currency the storefront reported (app/purchases/reconcile.ts), unless that differs.
  const report = reports.find((r) => r.matchedHere) ?? reports[0];
  const currencyDiffers = compared.some((f) => f.field === "currency");
  const amount = (field: string, value: string | null, side: "server" | "browser") => {
    if (field !== "total" || value === null) return mismatchValue(value);
    const currency =
      side === "browser" || !currencyDiffers
        ? (report?.currency ?? purchase.presentmentCurrency ?? purchase.currency)
        : (purchase.presentmentCurrency ?? purchase.currency);
    return money(value, currency);
  };
  return (
    <Card>
      <BlockStack gap="400">
        <Banner tone="critical" title={browserMissing ? "The storefront never reported this purchase" : "The storefront reported this purchase differently"}>
          <Text as="p">
            {browserMissing
              ? "Shopify sent this order, but your storefront's tracking did not report it within the grace period. Check that the Syncline pixel runs on your checkout, and that other tracking sees this order."
              : "What your storefront reported does not match the order Shopify sent. The platform received Shopify's version; compare the two below."}
            {purchase.mismatchAt && ` Flagged ${absoluteTime(purchase.mismatchAt)} (${relativeTime(purchase.mismatchAt, now)}).`}
          </Text>
        </Banner>
        {compared.length > 0 && (
          <DataTable
            columnContentTypes={["text", "text", "text"]}
            headings={["Field", "Shopify order", "Storefront report"]}
            rows={compared.map((f) => [
              <Text as="span" fontWeight="semibold" key="field">
                {mismatchFieldLabel(f.field)}
              </Text>,
              amount(f.field, f.server, "server"),
              <Text as="span" tone="critical" key="browser">
                {amount(f.field, f.browser, "browser")}
              </Text>,
            ])}
          />
        )}
      </BlockStack>
    </Card>
  );
}

function StatusCard({ purchase, refunds, now }: { purchase: Purchase; refunds: Detail["refunds"]; now: string }) {
  const badge = statusBadge(purchase.status);
  let summary: string;
  switch (purchase.status) {
    case "registered":
      summary = "Sent to your platform as purchase.registered.";
      break;
    case "pending_delay":
      summary = purchase.forwardAt
        ? `Waiting for the upsell delay to end; it will be sent ${relativeTime(purchase.forwardAt, now)} (${absoluteTime(purchase.forwardAt)}).`
        : "Waiting for the upsell delay to end.";
      break;
    case "excluded":
      summary = `Not sent to your platform: ${exclusionReasonText(purchase.excludedReason) ?? "excluded"}.`;
      break;
    case "refunded":
      summary = purchase.forwardedAt
        ? "Refunded in full. The purchase and its refunds were sent to your platform."
        : "Refunded in full before it was sent to your platform.";
      break;
    default:
      summary = purchase.status;
  }
  const refundTotal = refunds.length ? `${refunds.length} refund${refunds.length === 1 ? "" : "s"}` : "None";
  return (
    <Section title="Status" badge={<Badge tone={badge.tone}>{badge.label}</Badge>}>
      <Text as="p">{summary}</Text>
      {purchase.redactedAt && (
        <Text as="p" tone="subdued">
          The customer&apos;s data was erased at their request (customers/redact) on {absoluteTime(purchase.redactedAt)}.
        </Text>
      )}
      <InlineGrid columns={{ xs: 2, md: 4 }} gap="400">
        <Field label="Registered by Syncline">
          <When iso={purchase.registeredAt} now={now} />
        </Field>
        <Field label="Upsell delay ends">
          <When iso={purchase.forwardAt} now={now} />
        </Field>
        <Field label="Sent to platform">
          <When iso={purchase.forwardedAt} now={now} empty={purchase.status === "excluded" ? "Never (excluded)" : "Not yet"} />
        </Field>
        {purchase.status === "excluded" && (
          <Field label="Excluded">
            <When iso={purchase.decidedAt} now={now} empty="Not final until the upsell delay ends" />
          </Field>
        )}
        <Field label="Refunded in full">
          <When iso={purchase.refundedAt} now={now} empty="No" />
        </Field>
        <Field label="Refunds">{refundTotal}</Field>
        <Field label="Last change in Shopify">
          <When iso={purchase.sourceUpdatedAt} now={now} />
        </Field>
        <Field label="Storefront report">
          {purchase.browserReportedAt ? <When iso={purchase.browserReportedAt} now={now} /> : "None matched"}
        </Field>
      </InlineGrid>
    </Section>
  );
}

function OrderCard({ purchase }: { purchase: Purchase }) {
  const tags = splitTags(purchase.tags);
  const presentmentDiffers = purchase.presentmentCurrency !== null && purchase.presentmentCurrency !== purchase.currency;
  return (
    <Section title="Order">
      <InlineGrid columns={{ xs: 2, md: 4 }} gap="400">
        <Field label="Order">{purchase.orderName ?? "—"}</Field>
        <Field label="Order id">{purchase.orderId}</Field>
        <Field label="Order number">{purchase.orderNumber ?? "—"}</Field>
        <Field label="Placed">{absoluteTime(purchase.orderCreatedAt)}</Field>
        <Field label="Customer email">{purchase.email ?? "—"}</Field>
        <Field label="Customer id">{purchase.customerId ?? "—"}</Field>
        <Field label="Sales channel">
          {sourceLabel(purchase.sourceName)}
          {purchase.sourceName && sourceLabel(purchase.sourceName) !== purchase.sourceName && (
            <Text as="span" tone="subdued">
              {" "}
              ({purchase.sourceName})
            </Text>
          )}
        </Field>
        <Field label="Test order">{purchase.test ? "Yes" : "No"}</Field>
        <Field label="Total (shop currency)">{money(purchase.totalPrice, purchase.currency)}</Field>
        <Field label="Total paid by the customer">
          {presentmentDiffers ? money(purchase.presentmentTotal, purchase.presentmentCurrency) : money(purchase.totalPrice, purchase.currency)}
        </Field>
      </InlineGrid>
      <BlockStack gap="200">
        <Text as="h3" variant="headingXs">
          Tags
        </Text>
        {tags.length ? (
          <InlineStack gap="200">
            {tags.map((tag) => (
              <Tag key={tag}>{tag}</Tag>
            ))}
          </InlineStack>
        ) : (
          <Text as="p" tone="subdued">
            No tags
          </Text>
        )}
      </BlockStack>
      <BlockStack gap="200">
        <Text as="h3" variant="headingXs">
          Discount codes
        </Text>
        {purchase.discountCodes.length ? (
          <InlineStack gap="200">
            {purchase.discountCodes.map((d) => (
              <Tag key={d.code}>
                {d.code}
                {d.amount ? ` · ${d.type === "percentage" ? `${d.amount}%` : money(d.amount, purchase.currency)}` : ""}
              </Tag>
            ))}
          </InlineStack>
        ) : (
          <Text as="p" tone="subdued">
            None
          </Text>
        )}
      </BlockStack>
    </Section>
  );
}

function LineItemsCard({ purchase }: { purchase: Purchase }) {
  const count = purchase.lineItems.reduce((n, item) => n + (item.quantity ?? 0), 0);
  return (
    <Card padding="0">
      <Box padding="400" paddingBlockEnd="0">
        <Text as="h2" variant="headingSm">
          Items ({count.toLocaleString("en")})
        </Text>
      </Box>
      <DataTable
        columnContentTypes={["text", "text", "text", "numeric", "numeric"]}
        headings={["Product", "SKU", "Variant id", "Quantity", "Price"]}
        rows={purchase.lineItems.map((item) => [
          item.title ?? "—",
          item.sku ?? "—",
          item.variantId ?? "—",
          item.quantity ?? "—",
          money(item.price, purchase.currency),
        ])}
        totals={["", "", "", count, money(purchase.totalPrice, purchase.currency)]}
        totalsName={{ singular: "Order total", plural: "Order total" }}
        showTotalsInFooter
      />
    </Card>
  );
}

function ReportsCard({ detail, now }: { detail: Detail; now: string }) {
  const purchase = detail.purchase;
  return (
    <Card padding="0">
      <Box padding="400" paddingBlockEnd="0">
        <BlockStack gap="100">
          <Text as="h2" variant="headingSm">
            Storefront reports
          </Text>
          <Text as="p" tone="subdued">
            What the Syncline pixel reported from the checkout, beside what Shopify sent.
          </Text>
        </BlockStack>
      </Box>
      {detail.reports.length === 0 ? (
        <Box padding="400">
          <Text as="p" tone="subdued">
            {purchase?.sourceName && purchase.sourceName !== "web"
              ? "None. Only Online Store checkouts are reported by the storefront."
              : "None received for this order."}
          </Text>
        </Box>
      ) : (
        <DataTable
          columnContentTypes={["text", "text", "numeric", "text", "numeric", "text"]}
          headings={["Reported", "Order", "Total", "Email", "Items", "Matched"]}
          rows={[
            ...(purchase
              ? [
                  [
                    <Text as="span" fontWeight="semibold" key="shopify">
                      Shopify order
                    </Text>,
                    purchase.orderName ?? purchase.orderId,
                    purchase.presentmentCurrency && purchase.presentmentCurrency !== purchase.currency
                      ? money(purchase.presentmentTotal, purchase.presentmentCurrency)
                      : money(purchase.totalPrice, purchase.currency),
                    purchase.email ?? "—",
                    purchase.lineItems.reduce((n, item) => n + (item.quantity ?? 0), 0),
                    "—",
                  ],
                ]
              : []),
            ...detail.reports.map((report) => [
              <span key="at" title={`Pixel event ${report.eventId}`}>
                {absoluteTime(report.occurredAt)}
                <br />
                <Text as="span" variant="bodySm" tone="subdued">
                  {relativeTime(report.occurredAt, now)}
                </Text>
              </span>,
              report.orderName ?? report.orderId ?? "—",
              money(report.totalPrice, report.currency),
              report.email ?? "—",
              report.itemCount,
              report.matchedHere ? (
                <Badge tone="success" key="m">
                  Matched
                </Badge>
              ) : report.mismatchAt ? (
                <Badge tone="critical" key="m">
                  No Shopify order
                </Badge>
              ) : (
                <Badge key="m">Not matched</Badge>
              ),
            ]),
          ]}
        />
      )}
    </Card>
  );
}

function RefundsCard({ refunds, now }: { refunds: Detail["refunds"]; now: string }) {
  return (
    <Card padding="0">
      <Box padding="400" paddingBlockEnd="0">
        <Text as="h2" variant="headingSm">
          Refunds
        </Text>
      </Box>
      <DataTable
        columnContentTypes={["text", "text", "numeric", "numeric", "text"]}
        headings={["Refund id", "Date", "Items", "Amount", "Sent to platform"]}
        rows={refunds.map((r) => [
          r.refundId,
          absoluteTime(r.refundCreatedAt),
          r.lineItems.reduce((n, item) => n + (item.quantity ?? 0), 0),
          money(r.amount, r.currency),
          r.forwardedAt ? `${absoluteTime(r.forwardedAt)} (${relativeTime(r.forwardedAt, now)})` : "Not yet",
        ])}
      />
    </Card>
  );
}

const EVENT_STATUS: Record<string, { label: string; tone?: "success" | "critical" | "info" | "attention" }> = {
  delivered: { label: "Delivered", tone: "success" },
  failed: { label: "Failed", tone: "critical" },
  pending: { label: "Sending", tone: "info" },
};

function eventStatus(event: Detail["events"][number]) {
  if (event.status === "pending" && event.attempts === 0 && event.nextAttemptAt === null) {
    return { label: "Waiting for a platform connection", tone: "attention" as const };
  }
  if (event.status === "pending" && event.attempts > 0) return { label: "Retrying", tone: "attention" as const };
  return EVENT_STATUS[event.status] ?? { label: event.status };
}

function EventsCard({ events, now }: { events: Detail["events"]; now: string }) {
  return (
    <Card padding="0">
      <Box padding="400" paddingBlockEnd="0">
        <BlockStack gap="100">
          <Text as="h2" variant="headingSm">
            Sent to your platform
          </Text>
          <Text as="p" tone="subdued">
            Events Syncline created for this order. Each delivery attempt is in the activity log.
          </Text>
        </BlockStack>
      </Box>
      {events.length === 0 ? (
        <Box padding="400">
          <Text as="p" tone="subdued">
            Nothing yet.
          </Text>
        </Box>
      ) : (
        <DataTable
          columnContentTypes={["text", "text", "text", "numeric", "text"]}
          headings={["Event", "Created", "Delivery", "Attempts", "Activity log"]}
          rows={events.map((event) => {
            const status = eventStatus(event);
            return [
              <span key="type" title={`Event ${event.id}`}>
                {event.type}
                {event.subject && (
                  <Text as="span" variant="bodySm" tone="subdued">
                    {" "}
                    · refund {event.subject}
                  </Text>
                )}
              </span>,
              `${absoluteTime(event.createdAt)} (${relativeTime(event.createdAt, now)})`,
              <BlockStack gap="050" inlineAlign="start" key="status">
                <Badge tone={status.tone}>{status.label}</Badge>
                {event.lastStatus && (
                  <Text as="span" variant="bodySm" tone="subdued">
                    HTTP {event.lastStatus}
                  </Text>
                )}
              </BlockStack>,
              event.attempts,
              event.latestActivityId ? (
                <Link url={`/app/activity/${event.latestActivityId}`} key="link">
                  {event.activityCount > 1 ? `Latest of ${event.activityCount} attempts` : "View attempt"}
                </Link>
              ) : (
                <Text as="span" tone="subdued" key="link">
                  No attempt yet
                </Text>
              ),
            ];
          })}
        />
      )}
    </Card>
  );
}
