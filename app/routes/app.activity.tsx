import { useEffect } from "react";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useLocation, useNavigation, useSearchParams } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Card,
  ChoiceList,
  EmptySearchResult,
  Filters,
  IndexTable,
  InlineStack,
  Layout,
  Link,
  Page,
  Text,
  TextField,
} from "@shopify/polaris";
import { TitleBar, useAppBridge } from "@shopify/app-bridge-react";

import { authenticate } from "~/shopify.server";
import { prisma } from "~/db.server";
import { listActivity } from "~/activity/query.server";
import {
  parseActivityFilters,
  DIRECTION_FILTER_LABEL,
  DIRECTION_VALUES,
  RANGE_FILTER_LABEL,
  RANGE_VALUES,
  STATUS_FILTER_LABEL,
  STATUS_VALUES,
  SYNC_FILTER_LABEL,
  SYNC_VALUES,
  type ActivityFilters,
} from "~/activity/filters";
import { DIRECTION_LABEL, KIND_LABEL, formatDuration, statusLabel, statusTone } from "~/components/activity/status";
import { absoluteTime, relativeTime } from "~/components/sync/words";
import { replayToast } from "~/events/replay-result";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const filters = parseActivityFilters(new URL(request.url).searchParams);
  const now = new Date();
  return { now: now.toISOString(), ...(await listActivity(prisma, session.shop, filters, now)) };
};

type ListKey = "sync" | "direction" | "status";

const CHOICES: Record<ListKey, { title: string; choices: { label: string; value: string }[] }> = {
  sync: { title: "Sync", choices: SYNC_VALUES.map((value) => ({ label: SYNC_FILTER_LABEL[value], value })) },
  direction: { title: "Direction", choices: DIRECTION_VALUES.map((value) => ({ label: DIRECTION_FILTER_LABEL[value], value })) },
  status: { title: "Status", choices: STATUS_VALUES.map((value) => ({ label: STATUS_FILTER_LABEL[value], value })) },
};
const LABELS: Record<ListKey, Record<string, string>> = {
  sync: SYNC_FILTER_LABEL,
  direction: DIRECTION_FILTER_LABEL,
  status: STATUS_FILTER_LABEL,
};

function rangeSummary(filters: ActivityFilters): string {
  if (filters.range !== "custom") return filters.range ? RANGE_FILTER_LABEL[filters.range] : "";
  if (filters.from && filters.to) return `${filters.from} to ${filters.to} (UTC)`;
  if (filters.from) return `From ${filters.from} (UTC)`;
  if (filters.to) return `Until ${filters.to} (UTC)`;
  return RANGE_FILTER_LABEL.custom;
}

function shortReference(reference: string): string {
  return reference.length > 14 ? `${reference.slice(0, 13)}…` : reference;
}

export default function ActivityLog() {
  const { entries, nextCursor, previousCursor, hasPrevious, now } = useLoaderData<typeof loader>();
  const [, setParams] = useSearchParams();
  const navigation = useNavigation();
  const location = useLocation();
  const shopify = useAppBridge();
  // The controls show the filters being loaded, not the ones of the rows still on screen: a ticked box stays
  // ticked while its rows load.
  const loading = navigation.state === "loading" && navigation.location.pathname === location.pathname;
  const filters = parseActivityFilters(new URLSearchParams(loading ? navigation.location.search : location.search));

  useEffect(() => {
    const toast = replayToast(location.search);
    if (toast) shopify.toast.show(toast.message, { isError: toast.isError });
  }, [location.search, shopify]);

  // Functional updates: two quick changes must not overwrite each other with a stale copy of the URL. Every
  // change drops the page cursor: a new filter starts at the newest entry, and paging sets its own cursor.
  const update = (change: (next: URLSearchParams) => void) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      next.delete("after");
      next.delete("before");
      change(next);
      return next;
    });
  const setList = (key: ListKey, values: string[]) =>
    update((next) => {
      next.delete(key);
      for (const value of values) next.append(key, value);
    });
  const setRange = (range: string | undefined) =>
    update((next) => {
      if (range) next.set("range", range);
      else next.delete("range");
      if (range !== "custom") {
        next.delete("from");
        next.delete("to");
      }
    });
  const setDay = (key: "from" | "to", value: string) =>
    update((next) => {
      if (value) next.set(key, value);
      else next.delete(key);
    });
  const clearAll = () =>
    update((next) => {
      for (const key of ["sync", "direction", "status", "range", "from", "to"]) next.delete(key);
    });

  const listFilter = (key: ListKey) => ({
    key,
    label: CHOICES[key].title,
    pinned: true,
    filter: (
      <ChoiceList
        title={CHOICES[key].title}
        titleHidden
        allowMultiple
        choices={CHOICES[key].choices}
        selected={filters[key]}
        onChange={(values) => setList(key, values)}
      />
    ),
  });
  const filterControls = [
    listFilter("sync"),
    listFilter("direction"),
    listFilter("status"),
    {
      key: "range",
      label: "Time",
      pinned: true,
      filter: (
        <BlockStack gap="200">
          <ChoiceList
            title="Time"
            titleHidden
            choices={RANGE_VALUES.map((value) => ({ label: RANGE_FILTER_LABEL[value], value }))}
            selected={filters.range ? [filters.range] : []}
            onChange={([value]) => setRange(value)}
          />
          {filters.range === "custom" && (
            <InlineStack gap="200" wrap={false}>
              <TextField label="From" type="date" autoComplete="off" value={filters.from ?? ""} onChange={(v) => setDay("from", v)} />
              <TextField label="To" type="date" autoComplete="off" value={filters.to ?? ""} onChange={(v) => setDay("to", v)} />
            </InlineStack>
          )}
        </BlockStack>
      ),
    },
  ];
  const applied = [
    ...(["sync", "direction", "status"] as const)
      .filter((key) => filters[key].length > 0)
      .map((key) => ({
        key,
        label: `${CHOICES[key].title}: ${filters[key].map((value) => LABELS[key][value] ?? value).join(", ")}`,
        onRemove: () => setList(key, []),
      })),
    ...(filters.range ? [{ key: "range", label: `Time: ${rangeSummary(filters)}`, onRemove: () => setRange(undefined) }] : []),
  ];

  const rows = entries.map((entry, index) => (
    <IndexTable.Row id={entry.id} key={entry.id} position={index}>
      <IndexTable.Cell>
        <BlockStack gap="050">
          <Text as="span">{relativeTime(entry.createdAt, now)}</Text>
          <Text as="span" variant="bodySm" tone="subdued">
            {absoluteTime(entry.createdAt)}
          </Text>
        </BlockStack>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <BlockStack gap="050">
          {/* The primary link makes the whole row open the entry, as in Shopify's own lists. */}
          <Link dataPrimaryLink url={`/app/activity/${entry.id}`} monochrome removeUnderline>
            <Text as="span" fontWeight="semibold">
              {entry.name}
            </Text>
          </Link>
          <Text as="span" variant="bodySm" tone="subdued">
            {KIND_LABEL[entry.kind] ?? entry.kind}
          </Text>
        </BlockStack>
      </IndexTable.Cell>
      <IndexTable.Cell>{DIRECTION_LABEL[entry.direction] ?? entry.direction}</IndexTable.Cell>
      <IndexTable.Cell>{entry.sync ? (SYNC_FILTER_LABEL[entry.sync] ?? entry.sync) : "—"}</IndexTable.Cell>
      <IndexTable.Cell>
        <Badge tone={statusTone(entry.status)}>{statusLabel(entry.status)}</Badge>
      </IndexTable.Cell>
      <IndexTable.Cell>
        <Text as="span" alignment="end" numeric>
          {formatDuration(entry.durationMs)}
        </Text>
      </IndexTable.Cell>
      <IndexTable.Cell>
        {entry.reference ? (
          <span title={entry.reference}>
            <Text as="span" variant="bodySm" tone="subdued">
              {shortReference(entry.reference)}
            </Text>
          </span>
        ) : (
          "—"
        )}
      </IndexTable.Cell>
    </IndexTable.Row>
  ));

  return (
    <Page
      title="Activity log"
      subtitle="Every webhook received, every call to Shopify and your platform, and every job that failed. Kept for 7 days; customer data is hidden."
    >
      <TitleBar title="Activity log" />
      <Layout>
        <Layout.Section>
          <Card padding="0">
            <Filters
              queryValue=""
              hideQueryField
              filters={filterControls}
              appliedFilters={applied}
              onQueryChange={() => {}}
              onQueryClear={() => {}}
              onClearAll={clearAll}
            />
            <IndexTable
              resourceName={{ singular: "entry", plural: "entries" }}
              itemCount={entries.length}
              selectable={false}
              loading={loading}
              headings={[
                { title: "When" },
                { title: "What" },
                { title: "Direction" },
                { title: "Sync" },
                { title: "Status" },
                { title: "Duration", alignment: "end" },
                { title: "Reference" },
              ]}
              emptyState={
                <EmptySearchResult
                  title="No activity in this view"
                  description={
                    applied.length
                      ? "Nothing matches these filters. Try a longer time range or remove a filter."
                      : "Webhooks from Shopify, calls to Shopify and your platform, and failed jobs appear here as they happen."
                  }
                  withIllustration
                />
              }
              pagination={{
                hasNext: !!nextCursor,
                onNext: () => nextCursor && update((next) => next.set("after", nextCursor)),
                hasPrevious,
                onPrevious: () =>
                  update((next) => {
                    if (previousCursor) next.set("before", previousCursor);
                  }),
              }}
            >
              {rows}
            </IndexTable>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
