/**
 * The Custom UI of Tally's Bitbucket Forge app: one page for the three modules, chosen by the
 * module key (forge-bitbucket/manifest.yml). Every answer comes from Tally's remote through
 * `invokeRemote`, which Forge signs with an invocation token naming the workspace, the viewer
 * and where the page is shown — the page sends no identifier of its own.
 */
import { getContext, invokeRemote, waitForCallBridge } from './bridge.js';
import { isoDate, loggedWorkText, logWorkProblems, renderError, renderLogWorkForm, renderPeriodForm, renderPullRequestPanel, renderRepositoryTime, renderSettings, suggestedKeys } from './render.js';

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
  // Bitbucket titles the panel itself; the page's own heading is for screen readers' heading lists.
  root.innerHTML = '<h1 class="visually-hidden">Time logged on this pull request</h1><div id="panel" aria-busy="true"></div><div id="log-work-area"></div>';
  const panelArea = root.querySelector('#panel');
  const formArea = root.querySelector('#log-work-area');
  root.removeAttribute('aria-busy');
  let keys = [];
  const loadPanel = () =>
    guarded(panelArea, async () => {
      const panel = await call(callBridge, 'pull-request-time');
      keys = suggestedKeys(panel);
      return renderPullRequestPanel(panel);
    });
  // Log work (issue 16): written to the linked Jira site as the viewer — the remote takes the
  // account from the invocation token, never from this page.
  const showForm = (state, focusSummary) => {
    formArea.innerHTML = renderLogWorkForm({ keys, ...state });
    formArea.querySelector('#log-work').addEventListener('submit', (event) => {
      event.preventDefault();
      void submit(event.target);
    });
    // The page does not reload: focus goes to the outcome, so a screen reader reads it and the keyboard continues from there.
    if (focusSummary) formArea.querySelector('#lw-summary')?.focus();
  };
  const submit = async (form) => {
    const values = Object.fromEntries(['issue', 'date', 'startTime', 'duration', 'comment'].map((name) => [name, form.elements[name].value]));
    const body = { issue: values.issue, date: values.date, startTime: values.startTime, duration: values.duration, ...(values.comment.trim() === '' ? {} : { comment: values.comment }) };
    form.setAttribute('aria-busy', 'true');
    try {
      const answer = await call(callBridge, 'log-work', body);
      await loadPanel();
      showForm({ values: { ...values, duration: '', comment: '' }, written: loggedWorkText(answer) }, true);
    } catch (error) {
      showForm({ values, ...logWorkProblems(error.answer) }, true);
    }
  };
  await loadPanel();
  if (!panelArea.querySelector('[role="alert"]')) showForm({ values: { issue: keys[0] ?? '', date: isoDate(Date.now()), startTime: '09:00', duration: '', comment: '' } }, false);
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
