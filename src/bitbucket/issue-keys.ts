/**
 * Jira issue keys in pull-request text, found the way Atlassian's own Git integration finds them
 * (`bitbucket-cloud.md` §4.1, `atlassian/github-for-jira` `src/util/jira-utils.ts`).
 *
 * Tally never reads smart-commit commands (`JRA-34 #time 1w 2d`): Jira turns a `#time` command into
 * an ordinary worklog, which Tally already syncs; parsing it here would count that time twice
 * (`bitbucket-cloud.md` §4.2). Only the key in such a line is found.
 */

/**
 * Atlassian's key regex, character for character: group 2 is the key. A key starts with a letter,
 * has at least two characters before the dash, a number without a leading zero, and touches no
 * ASCII letter or digit on either side; case-insensitive. With the `u` and `i` flags `[A-Z]` also
 * matches the two non-ASCII letters that fold to ASCII (`ſ`, Kelvin `K`); Atlassian's parser does
 * the same, and such a key simply does not resolve on the Jira site.
 */
const ISSUE_KEY_PATTERN = /(^|[^A-Z\d])([A-Z][A-Z\d]{1,255}-[1-9]\d{0,255})(?=$|[^A-Z\d])/giu;

/**
 * Characters of one text that are read (branch name, title, description or one commit message).
 * Bitbucket branch names and titles are far shorter; a description or a squashed commit message
 * past 64 KiB characters is read only to here. Bounds the regex work per text.
 */
export const MAX_TEXT_CHARS = 65_536;
/** Commit messages of one pull request that are read, in the order given (Bitbucket lists newest first). */
export const MAX_COMMIT_MESSAGES = 1_000;
/** Distinct keys kept per text and per pull request; the panel resolves each against Jira, so this bounds those calls. */
export const MAX_ISSUE_KEYS = 100;

/** A text cut to `MAX_TEXT_CHARS`, without a key-like token the cut may have shortened (`JRA-12|3` must not yield `JRA-12`). */
function readableText(text: string): string {
  if (text.length <= MAX_TEXT_CHARS) return text;
  const cut = text.slice(0, MAX_TEXT_CHARS);
  return /[A-Z\d-]/iu.test(text.charAt(MAX_TEXT_CHARS)) ? cut.replace(/[A-Z\d-]+$/iu, '') : cut;
}

/** The distinct keys of one text, and whether a cap stopped the reading (text cut, or more than `MAX_ISSUE_KEYS` keys). */
function scanIssueKeys(text: string): { keys: string[]; truncated: boolean } {
  const keys = new Set<string>();
  for (const match of readableText(text).matchAll(ISSUE_KEY_PATTERN)) {
    const key = (match[2] as string).toUpperCase();
    if (keys.has(key)) continue;
    if (keys.size >= MAX_ISSUE_KEYS) return { keys: [...keys], truncated: true };
    keys.add(key);
  }
  return { keys: [...keys], truncated: text.length > MAX_TEXT_CHARS };
}

/**
 * The distinct issue keys in `text`, upper-cased, in order of first appearance: Atlassian's parser
 * (see `ISSUE_KEY_PATTERN`). Reads at most `MAX_TEXT_CHARS` characters and returns at most
 * `MAX_ISSUE_KEYS` keys. Does not check that a key exists on any Jira site. Pure.
 *
 * (Named as issue 13's plan asks; by the house verbs it would be `listIssueKeys`.)
 */
export function findIssueKeys(text: string): string[] {
  return scanIssueKeys(text).keys;
}

/** Where in a pull request a key was found, in precedence order. */
export const ISSUE_KEY_SOURCES = ['branch', 'title', 'description', 'commit'] as const;
export type IssueKeySource = (typeof ISSUE_KEY_SOURCES)[number];

/** The texts of a pull request that may name issues. */
export interface PullRequestTexts {
  /** Source branch name. */
  branch: string;
  title: string;
  /** The description's raw text (`summary.raw`); absent or empty when there is none. */
  description?: string;
  /** Full commit messages (Bitbucket event payloads may truncate them; re-read them first, §2.4). */
  commitMessages: readonly string[];
}

/** One key of a pull request and every place it was found, in precedence order. */
export interface PullRequestIssueKey {
  key: string;
  foundIn: IssueKeySource[];
}

/** A pull request's keys, and whether a cap cut the list short. */
export interface PullRequestIssueKeys {
  /** Distinct keys ordered by their best place (branch, title, description, commits), then by first appearance there. */
  keys: PullRequestIssueKey[];
  /**
   * True when a cap stopped the reading: more than `MAX_ISSUE_KEYS` keys, more than
   * `MAX_COMMIT_MESSAGES` messages, or a text longer than `MAX_TEXT_CHARS`. Keys may be missing then.
   */
  truncated: boolean;
}

/**
 * The issue keys of a pull request, de-duplicated across its branch name, title, description and
 * commit messages, with where each was found. Bounded: at most `MAX_COMMIT_MESSAGES` messages,
 * `MAX_TEXT_CHARS` characters of each text and `MAX_ISSUE_KEYS` keys in all. Pure.
 */
export function pullRequestIssueKeys(texts: PullRequestTexts): PullRequestIssueKeys {
  const byKey = new Map<string, PullRequestIssueKey>();
  let truncated = texts.commitMessages.length > MAX_COMMIT_MESSAGES;
  const sources: [IssueKeySource, string][] = [
    ['branch', texts.branch],
    ['title', texts.title],
    ['description', texts.description ?? ''],
    ...texts.commitMessages.slice(0, MAX_COMMIT_MESSAGES).map((message): [IssueKeySource, string] => ['commit', message]),
  ];
  for (const [source, text] of sources) {
    const scanned = scanIssueKeys(text);
    truncated ||= scanned.truncated;
    for (const key of scanned.keys) {
      const known = byKey.get(key);
      if (known) {
        if (!known.foundIn.includes(source)) known.foundIn.push(source);
      } else if (byKey.size < MAX_ISSUE_KEYS) {
        byKey.set(key, { key, foundIn: [source] });
      } else {
        truncated = true;
      }
    }
  }
  return { keys: [...byKey.values()], truncated };
}
