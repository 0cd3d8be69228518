// A member's findings name the member first, carry it as `member`, and hold their launch
// alerts back while the federation has taken the member out of its rotation.
import { shortTitle, type Finding } from '../model.ts';

/** The federation finding saying whether a member is in the redirector's rotation. */
export const rotationKey = (member: string) => `federation:rotation:${member}`;

export function forMember(f: Finding, member: string): Finding {
  const named = (text: string) => (text.startsWith(`${member}: `) ? text : `${member}: ${text}`);
  return {
    ...f,
    member,
    title: shortTitle(named(f.title)),
    summary: named(f.summary),
    ...(f.check === 'launchProbe' ? { dependsOn: [...(f.dependsOn ?? []), `binderHealth/${rotationKey(member)}`] } : {}),
  };
}
