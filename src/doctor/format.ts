// `rktlet doctor`'s two faces: lines for people, one JSON document for machines.
import { healthy, type Finding, type Status } from './finding.js';

const MARK: Record<Status, string> = { ok: 'ok  ', info: 'info', warn: 'WARN', fail: 'FAIL' };

export function formatText(findings: readonly Finding[]): string {
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`${MARK[f.status]}  ${f.check}: ${f.summary}`);
    if (f.fix && f.status !== 'ok') lines.push(`      → ${f.fix}`);
  }
  const count = (s: Status) => findings.filter((f) => f.status === s).length;
  lines.push('');
  lines.push(
    `${healthy(findings) ? 'healthy' : 'NOT healthy'}: ${count('ok')} ok, ${count('info')} info, ${count('warn')} warnings, ${count('fail')} failures`,
  );
  return lines.join('\n') + '\n';
}

export function formatJson(findings: readonly Finding[], ms: number): string {
  return JSON.stringify({ healthy: healthy(findings), elapsed_ms: ms, findings }, null, 2) + '\n';
}
