/** Word lists for generated sites: mixed scripts and emoji, as real multinational sites have. */
export const FIRST_NAMES = [
  'Anna', 'Bálint', 'Chen', 'Dmitri', 'Émilie', 'Farah', 'Gökhan', 'Hiroshi', 'Ingrid', 'José',
  'Kateřina', 'Lars', 'Mia', 'Nguyễn', 'Olu', 'Priya', 'Quentin', 'Renée', 'Søren', 'Tomás',
  'Uma', 'Vlad', 'Wei', 'Ximena', 'Yusuf', 'Zoë', '李', 'Мария', 'محمد', 'Αλέξανδρος',
];
export const LAST_NAMES = [
  'Krystof', 'Nagy', 'Müller', "O'Brien", 'Smith', 'García', 'Kowalski', 'Yılmaz', 'Tanaka', 'Dubois',
  'Novák', 'Andersson', 'Rossi', 'Silva', 'Kim', 'Patel', 'Jensen', 'Ivanova', 'Okafor', 'Lee',
  '雷', 'Петрова', 'حسن', 'Παπαδόπουλος',
];
export const TIME_ZONES = [
  'Europe/Berlin', 'Europe/Budapest', 'Europe/London', 'America/New_York', 'America/Los_Angeles',
  'Asia/Tokyo', 'Asia/Kolkata', 'Australia/Sydney', 'UTC', 'America/Sao_Paulo',
];
export const PROJECT_NAMES = [
  ['WEB', 'Website'], ['OPS', 'Operations'], ['MOB', 'Mobile app'], ['DATA', 'Data platform'],
  ['SUP', 'Support'], ['HR', 'People team'], ['FIN', 'Finance'], ['QA', 'Quality'],
  ['API', 'Public API'], ['DES', 'Design'], ['SEC', 'Security'], ['INF', 'Infrastructure'],
] as const;
export const ISSUE_WORDS = [
  'Fix', 'Refactor', 'Build', 'Review', 'Investigate', 'Migrate', 'Document', 'Release', 'Design', 'Test',
  'login', 'invoice export', 'search index', 'mobile layout', 'billing job', 'API limits', 'onboarding',
  'dark mode', 'reports', 'time zones', 'backup restore', 'SSO', 'webhooks', 'CSV import',
];
export const COMMENT_LINES = [
  'Code review',
  'Pairing with the team on the migration',
  'Meeting: sprint planning',
  'Investigated the flaky test; root cause is a race in the job runner',
  'Customer call 📞',
  'Deployed to staging 🚀',
  'Überprüfung der Änderungen',
  'Réunion avec le client',
  '修复登录问题',
  'Исправление ошибок',
  'تحديث الوثائق',
  'Refactoring; <b>not</b> HTML & "quotes" \'single\' `ticks`',
  'Worked on: 1) parser 2) tests 3) docs',
  'Fixed ✅ – verified on prod 🎉👍🏽',
  "Robert'); DROP TABLE worklogs;--",
  '   leading and trailing spaces   ',
];
