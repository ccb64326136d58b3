import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Button, Card, InlineGrid, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";

import { loadHome } from "~/home/home.server";
import { withAdminClient } from "~/shopify/admin-client.server";

export const loader = async ({ request }: LoaderFunctionArgs) => withAdminClient(request, (admin) => loadHome(admin));

export default function Home() {
  const { shop, syncs } = useLoaderData<typeof loader>();
  return (
    <Page>
      <TitleBar title="Syncline" />
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                {shop.name}
              </Text>
              <Text as="p" tone="subdued">
                {shop.myshopifyDomain} · {shop.currencyCode}
              </Text>
              <Text as="p">
                Syncline keeps this store and your marketing platform in sync. Switch on each sync below when you are
                ready; nothing is sent until you do.
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <InlineGrid columns={{ xs: 1, md: 3 }} gap="400">
            {syncs.map((sync) => (
              <Card key={sync.key}>
                <BlockStack gap="200">
                  <InlineStack align="space-between" blockAlign="center">
                    <Text as="h3" variant="headingSm">
                      {sync.title}
                    </Text>
                    <Badge tone={sync.enabled ? "success" : undefined}>{sync.enabled ? "On" : "Off"}</Badge>
                  </InlineStack>
                  <Text as="p" tone="subdued">
                    {sync.description}
                  </Text>
                  <InlineStack>
                    <Button url={sync.path}>{sync.enabled ? "Settings" : "Set up"}</Button>
                  </InlineStack>
                </BlockStack>
              </Card>
            ))}
          </InlineGrid>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
