export default async function teardown() {
  await globalThis.__sqlServerContainer?.stop();
}
