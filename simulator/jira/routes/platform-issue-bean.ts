import type { JiraSite, SimIssue, SimProject } from '../jira-site.js';

/** Issue fields the simulator can render; all of them are navigable. */
const SUPPORTED_FIELDS = ['summary', 'project', 'parent', 'issuetype'] as const;
type IssueField = (typeof SUPPORTED_FIELDS)[number];

/** Which parts of an issue a request asked for. */
export interface FieldSelection {
  /** Only `id` was asked for (the `/search/jql` default): issues render as `{ id }`. */
  idOnly: boolean;
  fields: Set<IssueField>;
}

const TYPE_IDS: Record<SimIssue['issueType'], string> = { Epic: '10000', Story: '10001', Task: '10002', Bug: '10003', Subtask: '10004' };
const HIERARCHY: Record<SimIssue['issueType'], number> = { Epic: 1, Story: 0, Task: 0, Bug: 0, Subtask: -1 };

/**
 * Reads a `fields` list as Jira does: `*all` and `*navigable` select everything, `-name`
 * excludes, unknown names are ignored silently, `id`/`key` add nothing (always present).
 * An empty list means `defaultList`.
 */
export function selectFields(requested: string[], defaultList: string): FieldSelection {
  const names = (requested.length > 0 ? requested : [defaultList]).map((n) => n.trim()).filter(Boolean);
  const fields = new Set<IssueField>();
  for (const name of names) {
    if (name === '*all' || name === '*navigable') SUPPORTED_FIELDS.forEach((f) => fields.add(f));
    else if ((SUPPORTED_FIELDS as readonly string[]).includes(name)) fields.add(name as IssueField);
  }
  for (const name of names) if (name.startsWith('-')) fields.delete(name.slice(1) as IssueField);
  const idOnly = fields.size === 0 && names.every((n) => n === 'id');
  return { idOnly, fields };
}

/** Whether only identifiers were requested, which lets Jira return its largest pages. */
export function isIdentifiersOnly(requested: string[]): boolean {
  return requested.every((n) => n === 'id' || n === 'key');
}

function renderIssueType(site: JiraSite, issue: SimIssue): Record<string, unknown> {
  const id = TYPE_IDS[issue.issueType];
  return {
    self: `${site.baseUrl}/rest/api/3/issuetype/${id}`,
    id,
    description: `A ${issue.issueType.toLowerCase()}.`,
    iconUrl: `${site.baseUrl}/rest/api/2/universal_avatar/view/type/issuetype/avatar/${10300 + Number(id) - 10000}?size=medium`,
    name: issue.issueType,
    subtask: issue.issueType === 'Subtask',
    avatarId: 10300 + Number(id) - 10000,
    hierarchyLevel: HIERARCHY[issue.issueType],
  };
}

/** Jira's project reference inside issue fields and project lists. */
export function renderProjectRef(site: JiraSite, project: SimProject): Record<string, unknown> {
  const avatar = (size: number) => `${site.baseUrl}/rest/api/3/universal_avatar/view/type/project/avatar/10400?size=${size}`;
  return {
    self: `${site.baseUrl}/rest/api/3/project/${project.id}`,
    id: project.id,
    key: project.key,
    name: project.name,
    projectTypeKey: 'software',
    simplified: false,
    avatarUrls: { '48x48': avatar(48), '24x24': avatar(24), '16x16': avatar(16), '32x32': avatar(32) },
  };
}

/**
 * An `IssueBean` with the selected fields. `parent` is omitted for issues without one; the
 * parent reference carries `summary` and `issuetype`, as Jira's does (status and priority are
 * not simulated).
 */
export function renderIssueBean(site: JiraSite, issue: SimIssue, selection: FieldSelection): Record<string, unknown> {
  if (selection.idOnly) return { id: String(issue.id) };
  const fields: Record<string, unknown> = {};
  const project = site.projects.get(issue.projectId);
  if (selection.fields.has('summary')) fields.summary = issue.summary;
  if (selection.fields.has('issuetype')) fields.issuetype = renderIssueType(site, issue);
  if (selection.fields.has('project') && project) fields.project = renderProjectRef(site, project);
  const parent = issue.parentId === undefined ? undefined : site.issues.get(issue.parentId);
  if (selection.fields.has('parent') && parent) {
    fields.parent = {
      id: String(parent.id),
      key: parent.key,
      self: `${site.baseUrl}/rest/api/3/issue/${parent.id}`,
      fields: { summary: parent.summary, issuetype: renderIssueType(site, parent) },
    };
  }
  return { expand: '', id: String(issue.id), self: `${site.baseUrl}/rest/api/3/issue/${issue.id}`, key: issue.key, fields };
}
