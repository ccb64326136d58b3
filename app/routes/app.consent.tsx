import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { BlockStack, Layout, Text } from "@shopify/polaris";

import { ConsentSummaryCard } from "~/components/consent/ConsentSummaryCard";
import { FailuresCard, FromShopifyCard, ToShopifyCard } from "~/components/consent/ConsentChangesCard";
import { IMPORT_INTENT, ImportCustomersCard } from "~/components/consent/ImportCustomersCard";
import { SyncSettingsPage } from "~/components/sync/SyncSettingsPage";
import { ImportNotAllowedError, loadImportStatus, startConsentImport } from "~/consent/import.server";
import { loadConsentOverview } from "~/consent/query.server";
import { prisma } from "~/db.server";
import { authenticate } from "~/shopify.server";
import { loadSyncPage, syncPageAction } from "~/syncs/ui/sync-page.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const page = await loadSyncPage(request, "consent");
  // loadSyncPage has authenticated the request; this returns the same session without another token exchange.
  const { session } = await authenticate.admin(request);
  const [overview, importStatus] = await Promise.all([loadConsentOverview(prisma, session.shop), loadImportStatus(prisma, session.shop)]);
  return { ...page, overview, importStatus };
};

/** Two forms post here: the switches (SyncSwitchCard, the shared sync page action) and "Import existing customers". */
export const action = async ({ request }: ActionFunctionArgs) => {
  const form = await request.clone().formData();
  if (form.get("intent") !== IMPORT_INTENT) return syncPageAction(request, "consent");
  const { session } = await authenticate.admin(request);
  try {
    await startConsentImport(prisma, session.shop);
    return json({ importError: null });
  } catch (error) {
    if (!(error instanceof ImportNotAllowedError)) throw error;
    return json({ importError: error.message }, { status: 409 });
  }
};

export default function ConsentSettings() {
  const { overview, importStatus, ...data } = useLoaderData<typeof loader>();
  const actionData = useActionData<{ importError?: string | null }>();
  return (
    <SyncSettingsPage {...data}>
      <Layout.AnnotatedSection
        id="consent-overview"
        title="Consent overview"
        description={
          <Text as="p" tone="subdued">
            Your customers’ email and SMS marketing consent as Shopify holds it, and what your platform sent. The most
            recent decision always wins, in both directions.
          </Text>
        }
      >
        <ConsentSummaryCard counts={overview.counts} queue={overview.queue} />
      </Layout.AnnotatedSection>
      <Layout.AnnotatedSection
        id="consent-import"
        title="Existing customers"
        description={
          <Text as="p" tone="subdued">
            Sends the consent your customers gave before the sync was on to your platform, once.
          </Text>
        }
      >
        <ImportCustomersCard status={importStatus} error={actionData?.importError ?? null} />
      </Layout.AnnotatedSection>
      <Layout.AnnotatedSection
        id="consent-changes"
        title="Latest changes"
        description={
          <Text as="p" tone="subdued">
            Changes made in Shopify (by customers or staff) go to your platform; changes your platform sends are applied
            in Shopify within a minute, unless Shopify already has a newer decision.
          </Text>
        }
      >
        <BlockStack gap="400">
          <FromShopifyCard rows={overview.fromShopify} />
          <ToShopifyCard rows={overview.toShopify} />
          <FailuresCard rows={overview.failures} />
        </BlockStack>
      </Layout.AnnotatedSection>
    </SyncSettingsPage>
  );
}
