import { useEffect } from "react";
import { Form, useNavigation, useRevalidator } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, InlineStack, ProgressBar, Text } from "@shopify/polaris";

import type { ImportStatus } from "~/consent/import.server";

import { when } from "./words";

export const IMPORT_INTENT = "import";
/** While an import runs, the page reloads its data this often (each reload also reads the granted scopes from Shopify). */
const POLL_MS = 3_000;

/**
 * "Import existing customers": reads every customer's email and SMS consent with a Shopify bulk operation and sends
 * it to the platform once; progress while it runs (the page's data is reloaded), its outcome after.
 */
export function ImportCustomersCard({ status, error }: { status: ImportStatus; error?: string | null }) {
  const revalidator = useRevalidator();
  const navigation = useNavigation();
  const active = status.run?.active ?? false;
  const { revalidate, state } = revalidator;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (state === "idle") revalidate();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [active, state, revalidate]);
  const starting = navigation.state !== "idle" && navigation.formData?.get("intent") === IMPORT_INTENT;
  const run = status.run;
  return (
    <Card>
      <BlockStack gap="400">
        <BlockStack gap="100">
          <Text as="h2" variant="headingMd">
            Import existing customers
          </Text>
          <Text as="p" tone="subdued">
            Reads the email and SMS consent of every customer in your store and sends it to your platform once. Run it
            after turning the sync on; later changes arrive by themselves.
          </Text>
        </BlockStack>
        {run && (run.phase === "queued" || run.phase === "collecting") && (
          <BlockStack gap="200">
            <Text as="p">{run.phase === "queued" ? "Starting the import…" : `Shopify is collecting your customers${run.objectCount ? ` (${run.objectCount.toLocaleString("en")} so far)` : ""}…`}</Text>
            <ProgressBar progress={run.phase === "queued" ? 2 : 5} size="small" animated />
          </BlockStack>
        )}
        {run?.phase === "applying" && (
          <BlockStack gap="200">
            <Text as="p">
              Importing customers: {run.percent ?? 0}%
              {run.linesTotal ? ` (${run.linesProcessed.toLocaleString("en")} of ${run.linesTotal.toLocaleString("en")})` : ""}
            </Text>
            <ProgressBar progress={run.percent ?? 0} size="small" tone="primary" />
          </BlockStack>
        )}
        {run?.phase === "completed" && (
          <Banner tone="success" title={`Import finished ${when(run.finishedAt ?? run.startedAt)}`}>
            {`${run.linesProcessed.toLocaleString("en")} customers read; their consent was sent to your platform.`}
          </Banner>
        )}
        {(run?.phase === "failed" || run?.phase === "canceled") && (
          <Banner tone="critical" title={run.phase === "canceled" ? "The import was stopped" : "The import did not finish"}>
            <Text as="p">{run.error ?? "Unknown error."} Importing again resumes safely: nothing is sent twice.</Text>
          </Banner>
        )}
        {error && <Banner tone="warning">{error}</Banner>}
        <Form method="post">
          <input type="hidden" name="intent" value={IMPORT_INTENT} />
          <InlineStack gap="200" blockAlign="center">
            <Button submit variant="primary" loading={starting} disabled={!status.canStart || starting}>
              Import existing customers
            </Button>
            {!status.canStart && status.blockedReason && !active && (
              <Text as="span" tone="subdued">
                {status.blockedReason}
              </Text>
            )}
          </InlineStack>
        </Form>
      </BlockStack>
    </Card>
  );
}
