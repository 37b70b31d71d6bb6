import { startTestApp, type TestApp } from '../harness';
import { startFakeGraph, type FakeTemplate } from './graph';

export type FakeGraph = Awaited<ReturnType<typeof startFakeGraph>>;

/**
 * The product and a fake Graph API for one WhatsApp Cloud number, the set-up of the tests that send
 * through the real Cloud adapter. The fake listens on loopback, which provider calls may reach only
 * in tests: the channels module is told so here. `close` stops the fake, then the app.
 */
export async function startAppWithFakeGraph(options: {
  graph: Parameters<typeof startFakeGraph>[0];
  /** The number's message templates, as Meta lists them. */
  templates?: FakeTemplate[];
  app?: Parameters<typeof startTestApp>[0];
}): Promise<{ t: TestApp; graph: FakeGraph; close: () => Promise<void> }> {
  const t = await startTestApp(options.app);
  let graph: FakeGraph;
  try {
    graph = await startFakeGraph(options.graph);
  } catch (error) {
    await t.close();
    throw error;
  }
  if (options.templates) graph.setTemplates(options.templates);
  t.runtime.modules.channels.channels.allowPrivateHostsForTests(['127.0.0.1']);
  return {
    t,
    graph,
    close: async () => {
      await graph.close();
      await t.close();
    },
  };
}
