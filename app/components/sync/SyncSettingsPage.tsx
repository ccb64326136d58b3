import { useEffect, type ReactNode } from "react";
import { useRevalidator } from "@remix-run/react";
import { BlockStack, Layout, List, Page, Text } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";

import type { SwitchStatus } from "~/syncs/control.server";
import type { SyncSwitchKey } from "~/syncs/definitions";
import type { SyncPageData } from "~/syncs/ui/contract";

import { SyncSwitchCard } from "./SyncSwitchCard";
import { permissionLabel } from "./words";

// While a switch is turning on or off in another tab or request, look again until it settles.
const SETTLE_POLL_MS = 2_000;

interface Props extends SyncPageData {
  /**
   * Each sync's own settings, rendered under its switch (each sync issue adds its options card here). Option
   * fields wait for Save, so they belong in a form with the App Bridge save bar, unlike the switch itself.
   */
  options?: Partial<Record<SyncSwitchKey, ReactNode>>;
  /** Sections of the page's own after the switches (Layout.AnnotatedSection elements): summaries, imports. */
  children?: ReactNode;
}

/** A sync settings page: one annotated section per switch, with its toggle, status and (later) options. */
export function SyncSettingsPage({ page, switches, now, options, children }: Props) {
  const revalidator = useRevalidator();
  const settling = switches.some((s) => s.status === "enabling" || s.status === "disabling");
  useEffect(() => {
    if (!settling || revalidator.state !== "idle") return;
    const timer = setTimeout(() => revalidator.revalidate(), SETTLE_POLL_MS);
    return () => clearTimeout(timer);
  }, [settling, revalidator]);

  return (
    <Page>
      <TitleBar title={page.title} />
      <Layout>
        <Layout.Section>
          <Text as="p" variant="bodyLg">
            {page.description}
          </Text>
        </Layout.Section>
        {switches.map((sw) => (
          <Layout.AnnotatedSection
            key={sw.key}
            id={`sync-${sw.key}`}
            title={sw.title}
            description={<Permissions sw={sw} />}
          >
            <section aria-labelledby={`sync-${sw.key}`}>
              <BlockStack gap="400">
                <SyncSwitchCard sw={sw} now={now} />
                {options?.[sw.key]}
              </BlockStack>
            </section>
          </Layout.AnnotatedSection>
        ))}
        {children}
      </Layout>
    </Page>
  );
}

function Permissions({ sw }: { sw: SwitchStatus }) {
  const allGranted = sw.missingScopes.length === 0;
  return (
    <BlockStack gap="200">
      <Text as="p" tone="subdued">
        Shopify permissions this sync uses:
      </Text>
      <List type="bullet">
        {sw.requiredScopes.map((scope) => (
          <List.Item key={scope}>
            {permissionLabel(scope)}
            <Text as="span" tone="subdued">
              {sw.missingScopes.includes(scope) ? " · not granted yet" : " · granted"}
            </Text>
          </List.Item>
        ))}
      </List>
      {!allGranted && (
        <Text as="p" tone="subdued">
          Shopify asks you for what is not granted yet when you turn the sync on.
        </Text>
      )}
    </BlockStack>
  );
}
