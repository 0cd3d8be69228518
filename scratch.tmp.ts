import * as f from './tests/unit/alerting/notifiers/fixtures.ts';
import { buildPayload as slack } from './shared/alerting/notifiers/slack.ts';
import { buildPayload as email } from './shared/alerting/notifiers/email.ts';
const which = process.argv[2];
for (const [name, n] of Object.entries(f)) {
  if (which === 'slack') console.log(name, JSON.stringify(slack(n as never), null, 1));
  else if (which === 'email') { const m = email(n as never); console.log('=== ' + name + '\n' + m.subject + '\n' + m.text); }
}
