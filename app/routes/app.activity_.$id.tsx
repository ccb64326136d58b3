// `activity_` (not nested under app.activity.tsx): the entry is a page of its own, not a panel inside the list,
// and the list's loader does not run when an entry is opened. The URL is still /app/activity/<id>.
import { useEffect } from "react";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useLoaderData, useLocation, useNavigation } from "@remix-run/react";
import { Badge, BlockStack, Box, Button, Card, InlineGrid, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { TitleBar, useAppBridge } from "@shopify/app-bridge-react";

import { authenticate } from "~/shopify.server";
import { prisma } from "~/db.server";
import { getActivityEntry } from "~/activity/query.server";
import { SYNC_FILTER_LABEL } from "~/activity/filters";
import { absoluteTime, relativeTime } from "~/components/sync/words";
import { DIRECTION_LABEL, KIND_LABEL, formatDuration, statusLabel, statusTone } from "~/components/activity/status";
import { replayToast } from "~/events/replay-result";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const entry = await getActivityEntry(prisma, session.shop, params.id ?? "");
  if (!entry) throw json({ error: "Activity entry not found" }, { status: 404 });
  return { entry, now: new Date().toISOString() };
};

function Field({ label, children }: { label: string; children: React.ReactNode }) {
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

function When({ iso, now }: { iso: string | null; now: string }) {
  if (!iso) return <>—</>;
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

function Json({ text }: { text: string }) {
  return (
    <Box background="bg-surface-secondary" padding="300" borderRadius="200" overflowX="scroll">
      <pre style={{ margin: 0, fontSize: 12, lineHeight: 1.5, whiteSpace: "pre-wrap", wordBreak: "break-word" }}>{text}</pre>
    </Box>
  );
}

const DELIVERY_STATUS: Record<string, { label: string; tone?: "success" | "critical" | "info" }> = {
  received: { label: "Waiting to be processed", tone: "info" },
  processed: { label: "Processed", tone: "success" },
  failed: { label: "Failed", tone: "critical" },
};

export default function ActivityEntry() {
  const { entry, now } = useLoaderData<typeof loader>();
  const location = useLocation();
  const navigation = useNavigation();
  const shopify = useAppBridge();

  // The replay action sends the merchant back here with ?replayed=<event id>.
  useEffect(() => {
    const toast = replayToast(location.search);
    if (toast) shopify.toast.show(toast.message, { isError: toast.isError });
  }, [location.search, shopify]);

  const sync = entry.sync ? (SYNC_FILTER_LABEL[entry.sync] ?? entry.sync) : "App-wide";
  const delivery = entry.delivery;
  const deliveryStatus = delivery ? (DELIVERY_STATUS[delivery.status] ?? { label: delivery.status }) : null;
  const replayAction = `/app/events/${entry.reference}/replay`;
  return (
    <Page
      title={entry.name}
      titleMetadata={<Badge tone={statusTone(entry.status)}>{statusLabel(entry.status)}</Badge>}
      backAction={{ content: "Activity log", url: "/app/activity" }}
      subtitle={`${KIND_LABEL[entry.kind] ?? entry.kind} · ${absoluteTime(entry.createdAt)} (${relativeTime(entry.createdAt, now)})`}
    >
      <TitleBar title="Activity entry" />
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <Card>
              <BlockStack gap="400">
                <Text as="h2" variant="headingSm">
                  Summary
                </Text>
                <InlineGrid columns={{ xs: 2, md: 4 }} gap="400">
                  <Field label="When">
                    <When iso={entry.createdAt} now={now} />
                  </Field>
                  <Field label="Direction">{DIRECTION_LABEL[entry.direction] ?? entry.direction}</Field>
                  <Field label="Kind">{KIND_LABEL[entry.kind] ?? entry.kind}</Field>
                  <Field label="Sync">{sync}</Field>
                  <Field label="Status">
                    {statusLabel(entry.status).toLowerCase() === entry.status.replace(/_/g, " ")
                      ? statusLabel(entry.status)
                      : `${statusLabel(entry.status)} (${entry.status})`}
                  </Field>
                  <Field label="Duration">{formatDuration(entry.durationMs)}</Field>
                  <Field label={entry.kind === "webhook" ? "Webhook id" : "Reference"}>{entry.reference ?? "—"}</Field>
                  <Field label="Shop">{entry.shop}</Field>
                </InlineGrid>
                <Text as="p" variant="bodySm" tone="subdued">
                  Entry {entry.id}
                </Text>
              </BlockStack>
            </Card>
            {entry.replayable && (
              <Card>
                <InlineStack align="space-between" blockAlign="center" gap="400">
                  <BlockStack gap="100">
                    <Text as="h2" variant="headingSm">
                      Send this event again
                    </Text>
                    <Text as="p" tone="subdued">
                      Your platform receives the same event (same webhook-id) with a fresh signature.
                    </Text>
                  </BlockStack>
                  <Form method="post" action={replayAction}>
                    <input type="hidden" name="returnTo" value={`/app/activity/${entry.id}`} />
                    <Button submit loading={navigation.state !== "idle" && navigation.formAction === replayAction}>
                      Replay
                    </Button>
                  </Form>
                </InlineStack>
              </Card>
            )}
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingSm">
                  Details
                </Text>
                <Json text={entry.detail} />
              </BlockStack>
            </Card>
            {delivery && deliveryStatus && (
              <Card>
                <BlockStack gap="300">
                  <InlineStack gap="200" blockAlign="center">
                    <Text as="h2" variant="headingSm">
                      Webhook delivery
                    </Text>
                    <Badge tone={deliveryStatus.tone}>{deliveryStatus.label}</Badge>
                  </InlineStack>
                  <InlineGrid columns={{ xs: 2, md: 4 }} gap="400">
                    <Field label="Triggered in Shopify">
                      <When iso={delivery.triggeredAt} now={now} />
                    </Field>
                    <Field label="Received">
                      <When iso={delivery.receivedAt} now={now} />
                    </Field>
                    <Field label="Processed">
                      <When iso={delivery.processedAt} now={now} />
                    </Field>
                    <Field label="Received → processed">
                      {delivery.processedAt
                        ? formatDuration(Date.parse(delivery.processedAt) - Date.parse(delivery.receivedAt))
                        : "—"}
                    </Field>
                    <Field label="Topic">{delivery.topic}</Field>
                    <Field label="API version">{delivery.apiVersion ?? "—"}</Field>
                  </InlineGrid>
                  {delivery.error && (
                    <Text as="p" tone="critical">
                      {delivery.error}
                    </Text>
                  )}
                  <Text as="p" tone="subdued">
                    Payload as Shopify sent it, with customer data hidden.
                  </Text>
                  <Json text={delivery.payload} />
                </BlockStack>
              </Card>
            )}
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
