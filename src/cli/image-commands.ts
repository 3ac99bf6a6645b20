// Daemonless image verbs on the same state root as the daemon: `rktlet pull`, `rktlet images`,
// `rktlet rmi`, `rktlet image import FILE`. The verbs that change images use the engine's image code
// directly (loaded by them alone); the store lock and stamp file keep them consistent with a running
// daemon. `images` only reads the records.
import type { Command } from 'commander';
import { readerConfig, stateConfig, type GlobalOptions } from './options.js';
import type { ImageService } from '../image/image-service.js';
import { ImageStore, type StoredImage } from '../image/image-store.js';
import { NotFoundError, InvalidArgumentError } from '../errors/catalog.js';
import type { Credentials } from '../image/auth.js';
import { join } from 'node:path';
import { humanBytes } from './human-bytes.js';
import { isTerminal, PullProgress, pullVerdict } from './pull-progress.js';
import { formatReference, parseReference } from '../image/reference.js';
import { formatTable } from './table.js';
import type { Config } from '../config/schema.js';

function configOf(cmd: Command): Config {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  return stateConfig({ ...opts, logLevel: opts.logLevel ?? 'warn' }).config;
}

/** The image service (the engine's image code) for the verbs that pull or change images; loaded only by them. */
async function withImages<T>(cmd: Command, fn: (svc: ImageService) => Promise<T>): Promise<T> {
  const config = configOf(cmd);
  const [{ createLogger }, { OverlaySnapshotter }, { ImageService }, { closeStateDirs }, { ensurePolicyFile }] = await Promise.all([
    import('../log/logger.js'),
    import('../snapshot/overlay-snapshotter.js'),
    import('../image/image-service.js'),
    import('../store/private-state.js'),
    import('../image/trust/policy-file.js'),
  ]);
  const log = createLogger(config.log.level);
  await closeStateDirs(config);
  await ensurePolicyFile(config.image.signature_policy); // first start: the default trust policy
  const snapshots = new OverlaySnapshotter(join(config.root, 'snapshots'));
  await snapshots.open();
  const svc = await ImageService.open(config, log, snapshots);
  try {
    return await fn(svc);
  } finally {
    await svc.close();
    await snapshots.close();
    log.flush();
  }
}

/** One row per tag (or one `<none>` row), like `crictl images`. */
export function imageRows(images: StoredImage[]): string[][] {
  const rows: string[][] = [['IMAGE', 'TAG', 'IMAGE ID', 'SIZE']];
  for (const img of images) {
    const id = img.id.slice(7, 20);
    const size = humanBytes(img.size);
    if (!img.repoTags.length) {
      const repo = img.repoDigests[0]?.split('@')[0] ?? '<none>';
      rows.push([repo, '<none>', id, size]);
    }
    for (const t of img.repoTags) {
      const i = t.lastIndexOf(':');
      rows.push([t.slice(0, i), t.slice(i + 1), id, size]);
    }
  }
  return rows;
}

function parseCreds(s: string | undefined): Credentials | undefined {
  if (!s) return undefined;
  const i = s.indexOf(':');
  if (i <= 0) throw new InvalidArgumentError('--creds must be USERNAME:PASSWORD');
  return { username: s.slice(0, i), password: s.slice(i + 1) };
}

export function registerImageCommands(program: Command): void {
  program
    .command('pull')
    .description('pull an image from its registry (or a configured mirror) into the state root')
    .argument('<image>', 'image reference, e.g. busybox or registry.k8s.io/pause:3.9')
    .option('--creds <user:password>', 'registry credentials')
    .option('-q, --quiet', 'print the image ID only')
    .action(async (input: string, o: { creds?: string; quiet?: boolean }, cmd: Command) => {
      await withImages(cmd, async (svc) => {
        const creds = parseCreds(o.creds);
        const ref = parseReference(input);
        const name = formatReference(ref);
        const before = svc.resolve(name);
        const out = process.stdout;
        const progress = o.quiet ? undefined : new PullProgress(out, isTerminal(out));
        if (progress) out.write(`Pulling ${name}\n`);
        const img = await svc.pull(input, { ...(creds ? { credentials: creds } : {}), ...(progress ? { observer: progress } : {}) });
        if (progress) {
          // Newer: the name pointed at nothing or at another image, or a layer had to be fetched.
          const newer = before?.id !== img.id || progress.downloaded;
          out.write(pullVerdict({ ref: name, digest: progress.digest, newer }));
        }
        out.write(`${img.id}\n`);
      });
    });

  program
    .command('images')
    .description('list images')
    .option('-q, --quiet', 'print image IDs only')
    .option('--json', 'print the image records as JSON')
    .action(async (o: { quiet?: boolean; json?: boolean }, cmd: Command) => {
      // Read-only: the records as on disk (written atomically, each write under the store lock),
      // without opening the image service, its lock or the snapshotter.
      const store = new ImageStore(join((await readerConfig(cmd)).root, 'images'));
      store.reload();
      const images = store.list();
      if (o.json) process.stdout.write(JSON.stringify(images.map(({ id, repoTags, repoDigests, size, held }) => ({ id, repoTags, repoDigests, size, ...(held ? { held } : {}) })), null, 2) + '\n');
      else if (o.quiet) process.stdout.write(images.map((i) => i.id + '\n').join(''));
      else process.stdout.write(formatTable(imageRows(images)));
    });

  program
    .command('rmi')
    .description('remove images (by ID, tag or digest) and the layers no one else uses')
    .argument('<image...>', 'image references')
    .option('-f, --force', 'untag an image containers use; it stays listed as <none> until the last of them is removed')
    .action(async (refs: string[], o: { force?: boolean }, cmd: Command) => {
      await withImages(cmd, async (svc) => {
        const missing: string[] = [];
        for (const ref of refs) {
          const img = svc.resolve(ref);
          const out = img ? await svc.remove(img.id, o.force ? 'hold' : 'refuse') : { kind: 'absent' as const };
          if (out.kind === 'absent') missing.push(ref);
          else if (out.kind === 'removed') process.stdout.write(`Deleted: ${out.image.id}\n`);
          else {
            for (const name of [...img!.repoTags, ...img!.repoDigests]) process.stdout.write(`Untagged: ${name}\n`);
            const n = out.users.length;
            process.stdout.write(
              `Kept: ${out.image.id}, in use by ${n} container${n > 1 ? 's' : ''} (${out.users.map((u) => u.slice(0, 12)).join(', ')}); ` +
                `listed as <none> until ${n > 1 ? 'the last of them is' : 'it is'} removed, then deleted\n`,
            );
          }
        }
        if (missing.length) throw new NotFoundError(`no such image: ${missing.join(', ')}`);
      });
    });

  program
    .command('image')
    .description('image utilities')
    .command('import')
    .description('import a `docker save` archive or an OCI layout tarball')
    .argument('<file>', 'the archive (tar or tar.gz)')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      await withImages(cmd, async (svc) => {
        for (const img of await svc.importArchive(file)) {
          process.stdout.write(`Imported ${img.id}${img.repoTags.length ? ' ' + img.repoTags.join(' ') : ''}\n`);
        }
      });
    });
}
