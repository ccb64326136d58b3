import { z } from "zod";

/**
 * The form a sync settings page posts (SyncSwitchCard): `intent`, `key`, and for `declined` one `scope` field per
 * scope the merchant declined. Whether the key belongs to the page is checked by the action, which knows the page.
 */
const formSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("enable"), key: z.string().min(1) }),
  z.object({ intent: z.literal("disable"), key: z.string().min(1) }),
  z.object({ intent: z.literal("declined"), key: z.string().min(1), scopes: z.array(z.string().min(1)).min(1) }),
]);

export type SyncForm = z.infer<typeof formSchema>;

export function parseSyncForm(form: FormData): SyncForm | null {
  const parsed = formSchema.safeParse({
    intent: form.get("intent"),
    key: form.get("key"),
    scopes: form.getAll("scope"),
  });
  return parsed.success ? parsed.data : null;
}
