import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Layout, Text } from "@shopify/polaris";

import { ImportPastOrdersCard } from "~/components/purchases/ImportPastOrdersCard";
import { PurchaseOptionsCard } from "~/components/purchases/PurchaseOptionsCard";
import { PurchasesSummaryCard } from "~/components/purchases/PurchasesSummaryCard";
import { SyncSettingsPage } from "~/components/sync/SyncSettingsPage";
import { prisma } from "~/db.server";
import { loadBackfillStatus } from "~/purchases/backfill.server";
import { OPTIONS_INTENT } from "~/purchases/options-form";
import { loadPurchaseOptions, saveOptionsFromForm } from "~/purchases/options.server";
import { countPurchaseViews } from "~/purchases/query.server";
import { authenticate } from "~/shopify.server";
import { loadSyncPage, syncPageAction } from "~/syncs/ui/sync-page.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const page = await loadSyncPage(request, "purchases");
  // loadSyncPage has authenticated the request; this returns the same session without another token exchange.
  const { session } = await authenticate.admin(request);
  const [options, counts, backfill] = await Promise.all([
    loadPurchaseOptions(prisma, session.shop),
    countPurchaseViews(prisma, session.shop),
    loadBackfillStatus(prisma, session.shop),
  ]);
  return { ...page, purchaseOptions: options, counts, backfill };
};

/** Two forms post here: the switch (SyncSwitchCard, handled by the shared sync page action) and the options. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const form = await request.clone().formData();
  if (form.get("intent") !== OPTIONS_INTENT) return syncPageAction(request, "purchases");
  const { session } = await authenticate.admin(request);
  const [result, init] = await saveOptionsFromForm(prisma, session.shop, form);
  return json(result, init);
};

export default function PurchasesSettings() {
  const { purchaseOptions, counts, backfill, ...data } = useLoaderData<typeof loader>();
  // Sections in the order a merchant reads them: is it on, what it did, past orders, then how it behaves.
  return (
    <SyncSettingsPage {...data}>
      <Layout.AnnotatedSection
        id="purchases-received"
        title="Purchases received"
        description={
          <Text as="p" tone="subdued">
            Every order Shopify sent, with what happened to it, and the purchases whose storefront report does not
            match the order.
          </Text>
        }
      >
        <PurchasesSummaryCard views={counts.views} mismatches={counts.mismatches} />
      </Layout.AnnotatedSection>
      <Layout.AnnotatedSection
        id="import-past-orders"
        title="Import past orders"
        description={
          <Text as="p" tone="subdued">
            Sends the orders placed before the sync was turned on to your platform, once. Orders already registered are
            not sent again.
          </Text>
        }
      >
        <ImportPastOrdersCard initial={backfill} />
      </Layout.AnnotatedSection>
      <Layout.AnnotatedSection
        id="purchase-options"
        title="Options"
        description={
          <Text as="p" tone="subdued">
            When new purchases are sent to your platform, which are skipped, and how storefront reports are matched.
            You can change them whether the sync is on or off: exclusions apply to every purchase not sent yet, a new
            delay to orders received from then on.
          </Text>
        }
      >
        <section aria-labelledby="purchase-options">
          <PurchaseOptionsCard options={purchaseOptions.options} revision={purchaseOptions.revision} />
        </section>
      </Layout.AnnotatedSection>
    </SyncSettingsPage>
  );
}
