/**
 * The Custom UI of Tally's Bitbucket Forge app: one page for the three modules, chosen by the
 * module key (forge-bitbucket/manifest.yml). Every answer comes from Tally's remote through
 * `invokeRemote`, which Forge signs with an invocation token naming the workspace, the viewer
 * and where the page is shown — the page sends no identifier of its own.
 */
import { getContext, invokeRemote, waitForCallBridge } from './bridge.js';
import { isoDate, renderError, renderPeriodForm, renderPullRequestPanel, renderRepositoryTime, renderSettings } from './render.js';

const UI_PATH = '/bitbucket/forge/ui';
const DAY_MS = 86_400_000;

/** One call to the remote: the JSON answer, or the error answer thrown. */
async function call(callBridge, name, body = {}) {
  const answer = await invokeRemote(callBridge, { path: `${UI_PATH}/${name}`, method: 'POST', body });
  const status = Number(answer.status);
  if (status >= 200 && status < 300) return answer.body;
  throw Object.assign(new Error('remote error'), { answer: answer.body });
}

function show(element, html) {
  element.innerHTML = html;
  element.removeAttribute('aria-busy');
}

async function guarded(element, work) {
  element.setAttribute('aria-busy', 'true');
  try {
    show(element, await work());
  } catch (error) {
    show(element, renderError(error.answer));
  }
}

async function pullRequestPage(root, callBridge) {
  await guarded(root, async () => renderPullRequestPanel(await call(callBridge, 'pull-request-time')));
}

async function repositoryPage(root, callBridge) {
  root.innerHTML = renderPeriodForm(isoDate(Date.now()));
  const form = root.querySelector('#period');
  const results = root.querySelector('#results');
  const load = () => {
    // The chooser's "to" is inclusive; the remote's period is half-open.
    const to = isoDate(Date.parse(`${form.to.value}T00:00:00Z`) + DAY_MS);
    return guarded(results, async () => renderRepositoryTime(await call(callBridge, 'repository-time', { from: form.from.value, to })));
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void load();
  });
  await load();
}

async function settingsPage(root, callBridge) {
  const render = async (answer) => {
    show(root, renderSettings(answer));
    root.querySelector('#pair')?.addEventListener('submit', (event) => {
      event.preventDefault();
      void act('pair', { code: event.target.code.value });
    });
    root.querySelector('#unlink')?.addEventListener('submit', (event) => {
      event.preventDefault();
      void act('unlink', {});
    });
  };
  const act = async (name, body) => {
    try {
      await render(await call(callBridge, name, body));
    } catch (error) {
      // One alert at a time, above the form, so a screen reader hears the latest only.
      root.querySelector('[role="alert"]')?.remove();
      root.insertAdjacentHTML('afterbegin', renderError(error.answer));
    }
  };
  root.setAttribute('aria-busy', 'true');
  try {
    await render(await call(callBridge, 'settings'));
  } catch (error) {
    show(root, renderError(error.answer));
  }
}

const PAGES = { 'pull-request-time': pullRequestPage, 'repository-time': repositoryPage, 'workspace-settings': settingsPage };

async function main() {
  const root = document.getElementById('app');
  try {
    const callBridge = await waitForCallBridge(window);
    const context = await getContext(callBridge);
    const page = PAGES[context?.moduleKey];
    if (!page) throw new Error('unknown module');
    await page(root, callBridge);
  } catch (error) {
    show(root, renderError(error.answer));
  }
}

void main();
