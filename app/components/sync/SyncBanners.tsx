import { Banner, Text } from "@shopify/polaris";

import type { SyncSwitchKey } from "~/syncs/definitions";

import { joinWords } from "~/syncs/scopes";
import { permissionLabel, permissionList, scopeReason } from "./words";

/** The merchant said no on Shopify's grant screen: what was declined, why the sync needs it, how to be asked again. */
export function DeclinedBanner({
  switchKey,
  title,
  scopes,
  onDismiss,
}: {
  switchKey: SyncSwitchKey;
  title: string;
  scopes: string[];
  onDismiss?: () => void;
}) {
  const needs = scopes.map((scope) => `“${permissionLabel(scope)}” ${scopeReason(switchKey, scope)}`);
  return (
    <Banner tone="warning" title={`Permission declined: ${title} stays off`} onDismiss={onDismiss}>
      <Text as="p">
        You declined {permissionList(scopes)} on Shopify&apos;s permission screen. {title} needs {joinWords(needs)}.
        Turn the sync on again when you are ready; Shopify will ask you again.
      </Text>
    </Banner>
  );
}

/** Shopify took a permission away (app/scopes_update): the control plane has turned the sync off. */
export function RevokedBanner({ title, lastError }: { title: string; lastError: string | null }) {
  return (
    <Banner tone="warning" title={`Shopify access was removed, so ${title} is off`}>
      <Text as="p">
        {lastError ?? "A permission this sync needs is no longer granted. Turn the sync on to grant access again."}
      </Text>
    </Banner>
  );
}

export function ActionErrorBanner({ title, message, onDismiss }: { title: string; message: string; onDismiss?: () => void }) {
  return (
    <Banner tone="critical" title={title} onDismiss={onDismiss}>
      <Text as="p">{message}</Text>
    </Banner>
  );
}

