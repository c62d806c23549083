import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { indexedWords, queryWords, searchWords, searchWrites } from "../shared/customers/search.ts";
import { type TestStack, useStack } from "./support/stack.ts";

async function lead(s: TestStack, body: Record<string, unknown>): Promise<string> {
  const res = await s.api("/v1/leads", { key: s.leadsKey, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.customerId;
}

async function search(s: TestStack, q: string, extra = ""): Promise<{ status: number; ids: string[]; body: any }> {
  const res = await s.api(`/v1/customers?q=${encodeURIComponent(q)}${extra}`, { key: s.adminKey });
  return { status: res.status, ids: res.status === 200 ? (res.body.items as { id: string }[]).map((i) => i.id).sort() : [], body: res.body };
}

describe("GET /v1/customers?q=: find a customer by part of a name, company, email or phone", () => {
  const stack = useStack();
  const ids: Record<string, string> = {};

  it("finds each customer by the beginning of any word, ignoring case and accents", async () => {
    ids.anna = await lead(stack, {
      email: "ana.berg@nordlys.example.no",
      firstName: "Anna",
      lastName: "Berg",
      company: "Bakeri Nordlys AS",
      phone: "+47 912 34 567",
    });
    ids.jose = await lead(stack, { email: "jose@example.es", firstName: "José", lastName: "Müller-Ødegård" });
    ids.haruto = await lead(stack, { email: "haruto@example.jp", firstName: "陽翔", lastName: "佐藤" });
    ids.bergen = await lead(stack, { email: "kari@bergen.example.no", firstName: "Kari", company: "Bergen Fisk" });
    await stack.settleReports();

    expect((await search(stack, "ann")).ids).toEqual([ids.anna]);
    expect((await search(stack, "BERG")).ids).toEqual([ids.anna, ids.bergen].sort());
    expect((await search(stack, "nordlys")).ids).toEqual([ids.anna]);
    expect((await search(stack, "ana.b")).ids).toEqual([ids.anna]);
    expect((await search(stack, "anna berg")).ids).toEqual([ids.anna]);
    expect((await search(stack, "jose")).ids).toEqual([ids.jose]);
    expect((await search(stack, "muller odeg")).ids).toEqual([ids.jose]);
    expect((await search(stack, "佐藤")).ids).toEqual([ids.haruto]);
    expect((await search(stack, "fisk kari")).ids).toEqual([ids.bergen]);
    expect((await search(stack, "nobody")).ids).toEqual([]);
  });

  it("finds a phone number by any four or more digits in a row, typed with or without spaces", async () => {
    for (const q of ["+47 912 34 567", "912 34 567", "4567", "91234"]) expect((await search(stack, q)).ids, q).toEqual([ids.anna]);
  });

  it("answers the result list's fields, and pages with a cursor", async () => {
    const first = await stack.api("/v1/customers?q=berg&limit=1", { key: stack.adminKey });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.items[0]).toMatchObject({ email: expect.any(String), stage: "lead", tags: [], createdAt: expect.any(String) });
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await stack.api(`/v1/customers?q=berg&limit=1&cursor=${first.body.nextCursor}`, { key: stack.adminKey });
    expect(second.body.items).toHaveLength(1);
    expect([first.body.items[0].id, second.body.items[0].id].sort()).toEqual([ids.anna, ids.bergen].sort());
    const other = await stack.api(`/v1/customers?q=jose&cursor=${first.body.nextCursor}`, { key: stack.adminKey });
    expect(other.status).toBe(400);
  });

  it("follows edits: a changed name is found by its new words only, and a stage filter applies", async () => {
    const patch = await stack.api(`/v1/customers/${ids.bergen}`, {
      method: "PATCH",
      key: stack.adminKey,
      body: { firstName: "Karoline", company: "Tromsø Fisk" },
    });
    expect(patch.status, JSON.stringify(patch.body)).toBe(200);
    const purchase = await stack.api("/v1/events", { key: stack.adminKey, body: { type: "purchase", customerId: ids.bergen, amount: 10 } });
    expect(purchase.status).toBe(201);
    await stack.settleReports();
    expect((await search(stack, "karol")).ids).toEqual([ids.bergen]);
    expect((await search(stack, "tromso")).ids).toEqual([ids.bergen]);
    expect((await search(stack, "fisk", "&stage=customer")).ids).toEqual([ids.bergen]);
    expect((await search(stack, "fisk", "&stage=lead")).ids).toEqual([]);
    expect((await search(stack, "bergen")).ids).toEqual([ids.bergen]); // still the email's domain
  });

  it("refuses a query with nothing to look for, naming q", async () => {
    for (const q of ["a", "  ", "--"]) {
      const res = await search(stack, q);
      expect(res.status, q).toBe(400);
      expect(res.body.fields[0].field).toBe("q");
    }
    const both = await stack.api("/v1/customers?q=anna&email=ana.berg@nordlys.example.no", { key: stack.adminKey });
    expect(both.status).toBe(400);
  });

  it("an erased customer is gone from the index at once, words and all", async () => {
    const erased = await stack.api(`/v1/customers/${ids.jose}`, { method: "DELETE", key: stack.adminKey });
    expect(erased.status).toBe(200);
    expect((await search(stack, "jose")).ids).toEqual([]);
    await stack.settleReports();
    const scan = await stack.deps.db.send(new ScanCommand({ TableName: stack.deps.table, ConsistentRead: true }));
    expect((scan.Items ?? []).filter((i) => String(i.PK).startsWith("SEARCH#") && i.id === ids.jose)).toEqual([]);
  });
});

describe("the search index's words (pure)", () => {
  const profile = {
    PK: "CUST#c_1",
    SK: "PROFILE",
    id: "c_1",
    email: "ana.berg@mail.nordlys.no",
    firstName: "Anna",
    lastName: "Berg",
    stage: "lead",
    createdAt: "2027-01-01T00:00:00Z",
    phone: "+47 912 34 567",
  };

  it("indexes name, company, the email's local part and domain labels but the last, and the phone's digit tails", () => {
    const words = searchWords(profile);
    expect(words).toEqual(expect.arrayContaining(["anna", "berg", "ana", "anaberg", "mail", "nordlys", "4791234567", "91234567", "4567"]));
    expect(words).not.toContain("no");
    expect(words).not.toContain("567");
  });

  it("writes nothing when only activity changed, and only the difference when a word changed", () => {
    const busier = { ...profile, lastActivityAt: "2027-02-01T00:00:00Z", orders: 3 };
    expect(searchWrites(profile, busier)).toEqual([]);
    const renamed = { ...profile, firstName: "Ane" };
    const writes = searchWrites(profile, renamed);
    expect(writes.filter((w) => "DeleteRequest" in w).map((w) => ("DeleteRequest" in w ? w.DeleteRequest.Key.SK : ""))).toEqual(["anna#c_1"]);
    // The result fields changed (the first name), so every indexed word's item is written again.
    expect(writes.filter((w) => "PutRequest" in w)).toHaveLength(indexedWords(searchWords(renamed)).length);
    expect(searchWrites(profile, undefined).every((w) => "DeleteRequest" in w)).toBe(true);
    expect(searchWrites({ ...profile, SK: "TL#x" }, undefined)).toEqual([]);
  });

  it("gives a word that begins another of the customer's words no item of its own, and skips labels many people share", () => {
    // "ana" begins "anaberg": a prefix search for "ana" finds that item, so "ana" rides on it
    const words = searchWords(profile);
    expect(words).toContain("ana");
    expect(indexedWords(words)).not.toContain("ana");
    expect(indexedWords(words)).toEqual(expect.arrayContaining(["anna", "berg", "anaberg", "mail", "nordlys", "4791234567", "4567"]));
    const puts = searchWrites(undefined, profile).flatMap((w) => ("PutRequest" in w ? [w.PutRequest.Item] : []));
    expect(puts.map((i) => i.SK)).not.toContain("ana#c_1");
    expect(puts.every((i) => (i.words as string[]).includes("ana"))).toBe(true);
    // A one-character word keeps its item: it has a partition of its own
    expect(indexedWords(["王", "王小明"])).toEqual(["王", "王小明"]);
    // Webmail and reserved example domains find no one in particular
    expect(searchWords({ ...profile, email: "ola@gmail.com" })).not.toContain("gmail");
    expect(searchWords({ ...profile, email: "ola@mail.example.org" })).not.toContain("example");
  });

  it("reads a phone-like query as its digits, and refuses one letter", () => {
    expect(queryWords("+47 (912) 34-567")).toEqual(["4791234567"]);
    expect(queryWords("Anna  BERG")).toEqual(["anna", "berg"]);
    expect(() => queryWords("a")).toThrow();
    expect(queryWords("王")).toEqual(["王"]);
  });
});
