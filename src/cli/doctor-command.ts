// `rktlet doctor`: checks the host for what the configuration needs (the same defaults, config
// file and flags as serve) and says, per finding, what works, what does not and what to do.
// Exit status 0: healthy (no failure; warnings are features the host lacks); 1: not.
import type { Command } from 'commander';
import { effectiveConfig, type GlobalOptions } from './options.js';
import { runChecks } from '../doctor/probes.js';
import { formatJson, formatText } from '../doctor/format.js';
import { healthy } from '../doctor/finding.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check the host: kernel features, cgroups, LSMs, OCI runtimes, conmon, CNI plugins, iptables, the state disk')
    .option('--json', 'one JSON document: {healthy, elapsed_ms, findings: [{check, status, summary, fix, facts}]}')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const { config } = effectiveConfig(cmd.optsWithGlobals<GlobalOptions>());
      const t0 = performance.now();
      const findings = await runChecks(config);
      const ms = Math.round(performance.now() - t0);
      process.stdout.write(o.json ? formatJson(findings, ms) : formatText(findings));
      process.exitCode = healthy(findings) ? 0 : 1;
    });
}
