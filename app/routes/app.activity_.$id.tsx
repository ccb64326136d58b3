import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Box, Button, Card, InlineGrid, Layout, Page, Text } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";

import { authenticate } from "~/shopify.server";
import { prisma } from "~/db.server";
import { getActivityEntry } from "~/activity/query.server";
import { absoluteTime } from "~/components/sync/words";
import { SYNC_SWITCHES } from "~/syncs/definitions";
import { DIRECTION_LABEL, KIND_LABEL, statusTone } from "~/components/activity/status";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const entry = await getActivityEntry(prisma, session.shop, params.id ?? "");
  if (!entry) throw json({ error: "Activity entry not found" }, { status: 404 });
  return { entry };
};

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <BlockStack gap="100">
      <Text as="span" variant="bodySm" tone="subdued">
        {label}
      </Text>
      <Text as="span">{children}</Text>
    </BlockStack>
  );
}

function Json({ text }: { text: string }) {
  return (
    <Box background="bg-surface-secondary" padding="300" borderRadius="200" overflowX="scroll">
      <pre style={{ margin: 0, fontSize: 12, lineHeight: 1.5, whiteSpace: "pre-wrap", wordBreak: "break-word" }}>{text}</pre>
    </Box>
  );
}

export default function ActivityEntry() {
  const { entry } = useLoaderData<typeof loader>();
  const sync = entry.sync ? (SYNC_SWITCHES.find((s) => s.key === entry.sync)?.title ?? entry.sync) : "App-wide";
  return (
    <Page
      title={entry.name}
      titleMetadata={<Badge tone={statusTone(entry.status)}>{entry.status}</Badge>}
      backAction={{ content: "Activity log", url: "/app/activity" }}
      subtitle={absoluteTime(entry.createdAt)}
    >
      <TitleBar title="Activity entry" />
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <Card>
              <InlineGrid columns={{ xs: 2, md: 4 }} gap="400">
                <Field label="Direction">{DIRECTION_LABEL[entry.direction] ?? entry.direction}</Field>
                <Field label="Kind">{KIND_LABEL[entry.kind] ?? entry.kind}</Field>
                <Field label="Sync">{sync}</Field>
                <Field label="Duration">{entry.durationMs == null ? "—" : `${entry.durationMs} ms`}</Field>
                <Field label="Reference">{entry.reference ?? "—"}</Field>
              </InlineGrid>
            </Card>
            {entry.replayable && (
              <Card>
                <BlockStack gap="200">
                  <Text as="h2" variant="headingSm">
                    Send this event again
                  </Text>
                  <Text as="p" tone="subdued">
                    The platform receives the same event (same webhook-id) with a fresh signature.
                  </Text>
                  <Form method="post" action={`/app/events/${entry.reference}/replay`}>
                    <input type="hidden" name="returnTo" value={`/app/activity/${entry.id}`} />
                    <Button submit>Replay</Button>
                  </Form>
                </BlockStack>
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
            {entry.delivery && (
              <Card>
                <BlockStack gap="300">
                  <Text as="h2" variant="headingSm">
                    Webhook delivery
                  </Text>
                  <InlineGrid columns={{ xs: 2, md: 4 }} gap="400">
                    <Field label="Processing">{entry.delivery.status}</Field>
                    <Field label="Triggered by Shopify">{entry.delivery.triggeredAt ? absoluteTime(entry.delivery.triggeredAt) : "—"}</Field>
                    <Field label="Received">{absoluteTime(entry.delivery.receivedAt)}</Field>
                    <Field label="Processed">{entry.delivery.processedAt ? absoluteTime(entry.delivery.processedAt) : "—"}</Field>
                  </InlineGrid>
                  {entry.delivery.error && (
                    <Text as="p" tone="critical">
                      {entry.delivery.error}
                    </Text>
                  )}
                  <Text as="p" tone="subdued">
                    Payload as Shopify sent it, with customer data hidden.
                  </Text>
                  <Json text={entry.delivery.payload} />
                </BlockStack>
              </Card>
            )}
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
