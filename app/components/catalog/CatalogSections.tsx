import { useEffect, useState } from "react";
import { useFetcher } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, InlineStack, Layout, List, ProgressBar, Text, TextField } from "@shopify/polaris";

import type { CatalogStatus } from "~/catalog/status.server";

/** Where the sections load their status and post their actions (app/routes/app.catalog.export.tsx). */
export const CATALOG_EXPORT_ROUTE = "/app/catalog/export";
/** While an export runs, the page asks for progress this often. */
const POLL_MS = 2_000;

type Answer = CatalogStatus & { error?: string | null };

const dateTime = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" });

function when(iso: string | null): string {
  return iso ? dateTime.format(new Date(iso)) : "—";
}

function duration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

function n(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toLocaleString("en");
}

/**
 * The catalog page's own sections: what the feed holds and how the exports went (with "Export now" and a progress
 * bar while one runs), the feed URLs with copy buttons and a new-secret button, and recent errors. Loads from
 * `initial` (the page loader) and polls CATALOG_EXPORT_ROUTE while an export runs.
 */
export function CatalogSections({ initial }: { initial: CatalogStatus }) {
  const poll = useFetcher<Answer>();
  const act = useFetcher<Answer>();
  const [data, setData] = useState<Answer>(initial);
  useEffect(() => setData(initial), [initial]);
  useEffect(() => {
    if (poll.data) setData(poll.data);
  }, [poll.data]);
  useEffect(() => {
    if (act.data) setData(act.data);
  }, [act.data]);
  const { load, state } = poll;
  const running = data.running !== null;
  // A queued export shows up as running only once its job claims it: poll briefly after "Export now" as well.
  const [kick, setKick] = useState(0);
  useEffect(() => {
    if (!running && kick === 0) return;
    const timer = setInterval(() => {
      if (state === "idle") load(CATALOG_EXPORT_ROUTE);
      setKick((k) => Math.max(0, k - 1));
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [running, kick, state, load]);

  const submit = (intent: "export" | "rotate") => {
    act.submit({ intent }, { method: "post", action: CATALOG_EXPORT_ROUTE });
    if (intent === "export") setKick(15);
  };
  const busy = act.state !== "idle";

  return (
    <>
      <Layout.AnnotatedSection
        id="catalog-export"
        title="Exports"
        description={
          <Text as="p" tone="subdued">
            The whole catalog is read from Shopify when the sync is turned on, then every 4 hours. Product, collection
            and stock changes reach the feed between exports within a minute.
          </Text>
        }
      >
        <ExportCard data={data} busy={busy} onExport={() => submit("export")} />
      </Layout.AnnotatedSection>
      <Layout.AnnotatedSection
        id="catalog-feed"
        title="Feed URLs"
        description={
          <Text as="p" tone="subdued">
            Give these addresses to your platform. They contain a secret: anyone with them can read your catalog. A new
            secret makes the old addresses stop working.
          </Text>
        }
      >
        <FeedCard data={data} busy={busy} onRotate={() => submit("rotate")} />
      </Layout.AnnotatedSection>
    </>
  );
}

export function ExportCard({ data, busy, onExport }: { data: Answer; busy: boolean; onExport: () => void }) {
  const last = data.lastExport;
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            Catalog export
          </Text>
          {last && <Badge tone={last.outcome === "completed" ? "success" : "critical"}>{last.outcome === "completed" ? "Last export completed" : "Last export failed"}</Badge>}
        </InlineStack>
        <List type="bullet">
          <List.Item>
            Variants in your store: <span data-testid="catalog-variant-count">{n(data.shopifyVariants)}</span>
            {data.feed ? ` (the feed offers ${n(data.feed.variants)} of ${n(data.feed.products)} products in ${n(data.feed.categories)} categories)` : ""}
          </List.Item>
          <List.Item>
            Last export: {last ? `${when(last.at)}, ${duration(last.durationMs)}, ${last.mode === "bulk" ? "bulk operation" : "immediate"}` : "none yet"}
          </List.Item>
          <List.Item>Next scheduled export: {data.enabled ? when(data.nextExportAt) : "none (the sync is off)"}</List.Item>
        </List>
        {data.running && <Progress running={data.running} />}
        {last?.outcome === "failed" && last.error && (
          <Banner tone="critical" title="The last export failed">
            <p>{last.error}</p>
            <p>The feed keeps serving the catalog of the last successful export{data.lastSuccessAt ? ` (${when(data.lastSuccessAt)})` : ""}. It is retried automatically.</p>
          </Banner>
        )}
        {data.error && <Banner tone="warning">{data.error}</Banner>}
        {data.errors.length > 0 && (
          <BlockStack gap="100">
            <Text as="h3" variant="headingSm">
              Recent errors
            </Text>
            <List type="bullet">
              {data.errors.map((e) => (
                <List.Item key={`${e.at}${e.message}`}>
                  {when(e.at)}: {e.message}
                </List.Item>
              ))}
            </List>
          </BlockStack>
        )}
        <InlineStack gap="200">
          <Button variant="primary" onClick={onExport} loading={busy} disabled={!data.enabled || data.running !== null || busy}>
            Export now
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}

function Progress({ running }: { running: NonNullable<CatalogStatus["running"]> }) {
  const label =
    running.percent === null
      ? "Shopify is collecting your catalog…"
      : `Exporting: ${running.percent}%${running.total ? ` (${n(running.done)} of ${n(running.total)} ${running.mode === "bulk" ? "records" : "variants"})` : ""}`;
  return (
    <BlockStack gap="200">
      <Text as="p">{label}</Text>
      <ProgressBar progress={running.percent ?? 5} size="small" animated={running.percent === null} tone="primary" />
    </BlockStack>
  );
}

export function FeedCard({ data, busy, onRotate }: { data: Answer; busy: boolean; onRotate: () => void }) {
  if (!data.urls) {
    return (
      <Card>
        <Text as="p">Turn on catalog sync to get the feed addresses.</Text>
      </Card>
    );
  }
  return (
    <Card>
      <BlockStack gap="400">
        <CopyField label="ICML (XML)" value={data.urls.xml} />
        <CopyField label="JSON" value={data.urls.json} />
        {!data.enabled && <Text as="p" tone="subdued">The feed answers “not found” while the sync is off.</Text>}
        <Box>
          <Button onClick={onRotate} loading={busy} tone="critical" variant="plain">
            Make a new secret
          </Button>
        </Box>
      </BlockStack>
    </Card>
  );
}

function CopyField({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2_000);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <TextField
      label={label}
      value={value}
      readOnly
      autoComplete="off"
      onFocus={(event) => (event?.target as HTMLInputElement | undefined)?.select?.()}
      connectedRight={
        <Button
          accessibilityLabel={`Copy the ${label} feed URL`}
          onClick={() => {
            // The Clipboard API needs the admin frame's permission; without it, the browser's copy of a selection.
            const fallback = () => {
              const input = document.querySelector<HTMLInputElement>(`input[value="${CSS.escape(value)}"]`);
              input?.select();
              if (document.execCommand("copy")) setCopied(true);
            };
            if (navigator.clipboard) navigator.clipboard.writeText(value).then(() => setCopied(true), fallback);
            else fallback();
          }}
        >
          {copied ? "Copied" : "Copy"}
        </Button>
      }
    />
  );
}
