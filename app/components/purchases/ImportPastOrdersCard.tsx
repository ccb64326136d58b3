import { useEffect, useState } from "react";
import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, InlineStack, ProgressBar, SkeletonBodyText, Text } from "@shopify/polaris";

import type { BackfillStatus } from "~/purchases/backfill.server";

/** Where the card loads its status and posts the start (app/routes/app.purchases.import.tsx). */
export const IMPORT_ROUTE = "/app/purchases/import";
/** While an import runs, the card asks for progress this often. */
const POLL_MS = 2_000;

type ImportAnswer = BackfillStatus & { error?: string | null };

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium" });
const dateTimeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" });

function count(n: number, one: string, many: string): string {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}

/**
 * "Import past orders": one button that backfills the purchases of the last 60 days (a year with read_all_orders)
 * through a Shopify bulk operation, with its progress while it runs and its outcome after. Self-contained: it loads
 * its own status from IMPORT_ROUTE (or starts from `initial`, e.g. `loadBackfillStatus` in the page's loader) and
 * polls while an import is active.
 */
export function ImportPastOrdersCard({ initial }: { initial?: BackfillStatus }) {
  const status = useFetcher<ImportAnswer>();
  const start = useFetcher<ImportAnswer>();
  // Whichever answer came last (a poll or the start) is the current state.
  const [data, setData] = useState<ImportAnswer | undefined>(initial);
  useEffect(() => {
    if (status.data) setData(status.data);
  }, [status.data]);
  useEffect(() => {
    if (start.data) setData(start.data);
  }, [start.data]);
  const active = data?.run?.active ?? false;
  const { load, state } = status;

  useEffect(() => {
    if (!initial) load(IMPORT_ROUTE);
  }, [initial, load]);

  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (state === "idle") load(IMPORT_ROUTE);
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [active, state, load]);

  const starting = start.state !== "idle";
  return <ImportPastOrdersView data={data} starting={starting} onStart={() => start.submit(null, { method: "post", action: IMPORT_ROUTE })} />;
}

/** The card's markup for a given status, without the fetchers (what the card renders; also used on its own in tests). */
export function ImportPastOrdersView({ data, starting, onStart }: { data: ImportAnswer | undefined; starting: boolean; onStart: () => void }) {
  const active = data?.run?.active ?? false;
  return (
    <Card>
      <BlockStack gap="400">
        <BlockStack gap="100">
          <Text as="h2" variant="headingMd">
            Import past orders
          </Text>
          {data ? (
            <Text as="p" tone="subdued">
              Registers the orders placed since {dateFormat.format(new Date(data.range.since))} (the last {data.range.days} days)
              and sends them to your platform like new purchases. Orders already registered are not sent twice.
              {data.range.allOrders ? "" : " Shopify shows apps older orders only with the “View all orders” permission."}
            </Text>
          ) : (
            <SkeletonBodyText lines={2} />
          )}
        </BlockStack>

        {data?.run && <RunProgress data={data} />}
        {data?.error && <Banner tone="warning">{data.error}</Banner>}

        <InlineStack align="start" gap="200" blockAlign="center">
          <Button variant="primary" loading={starting} disabled={!data?.canStart || starting} onClick={onStart}>
            Import past orders
          </Button>
          {data && !data.canStart && data.blockedReason && !active && (
            <Text as="span" tone="subdued">
              {data.blockedReason}
            </Text>
          )}
        </InlineStack>
      </BlockStack>
    </Card>
  );
}

function RunProgress({ data }: { data: ImportAnswer }) {
  const run = data.run!;
  const counts = data.counts;
  switch (run.phase) {
    case "queued":
    case "collecting":
      return (
        <BlockStack gap="200">
          <Text as="p">
            {run.phase === "queued"
              ? "Starting the import…"
              : `Shopify is collecting your orders${run.objectCount ? ` (${count(run.objectCount, "record", "records")} so far)` : ""}…`}
          </Text>
          <ProgressBar progress={run.phase === "queued" ? 2 : 5} size="small" animated />
        </BlockStack>
      );
    case "applying":
      return (
        <BlockStack gap="200">
          <Text as="p">
            Registering orders: {run.percent ?? 0}%
            {run.linesTotal ? ` (${run.linesProcessed.toLocaleString("en")} of ${run.linesTotal.toLocaleString("en")} records)` : ""}
          </Text>
          <ProgressBar progress={run.percent ?? 0} size="small" tone="primary" />
        </BlockStack>
      );
    case "completed":
      return (
        <Banner tone="success" title={`Import finished ${dateTimeFormat.format(new Date(run.finishedAt ?? run.startedAt))}`}>
          {counts
            ? `${count(counts.imported, "order was", "orders were")} new; ${count(counts.onRecord, "order", "orders")} from that period are registered.`
            : "Your past orders are registered."}
        </Banner>
      );
    case "failed":
    case "canceled":
      return (
        <Banner tone="critical" title={run.phase === "canceled" ? "The import was stopped" : "The import did not finish"}>
          <BlockStack gap="100">
            <Text as="p">{run.error ?? "Unknown error."}</Text>
            {counts && counts.imported > 0 && (
              <Text as="p">{count(counts.imported, "order was", "orders were")} registered before it stopped; importing again will not send them twice.</Text>
            )}
          </BlockStack>
        </Banner>
      );
  }
}
