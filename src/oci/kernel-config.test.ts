import { test } from 'node:test';
import assert from 'node:assert/strict';
import { x32AbiFromConfig } from './kernel-config.js';
import { defaultSeccompProfile } from './spec/seccomp-default.js';

test('x32 ABI from a kernel config', () => {
  assert.equal(x32AbiFromConfig('CONFIG_X86_64=y\nCONFIG_X86_X32_ABI=y\n'), true);
  assert.equal(x32AbiFromConfig('CONFIG_X86_64=y\nCONFIG_IA32_EMULATION=y\n# CONFIG_X86_X32_ABI is not set\n'), false);
  // x86-64 without a word on x32 (a trimmed config): unknown, so x32 stays in the profile.
  assert.equal(x32AbiFromConfig('CONFIG_X86_64=y\n'), undefined);
  assert.equal(x32AbiFromConfig('CONFIG_ARM64=y\n'), false);
  assert.equal(x32AbiFromConfig(''), undefined);
});

test('the default profile leaves x32 out only when the kernel cannot run it', () => {
  const caps = ['CAP_CHOWN'];
  assert.deepEqual(defaultSeccompProfile(caps, 'x64').architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.deepEqual(defaultSeccompProfile(caps, 'x64', { x32Abi: true }).architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.deepEqual(defaultSeccompProfile(caps, 'x64', { x32Abi: false }).architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  assert.deepEqual(defaultSeccompProfile(caps, 'arm64', { x32Abi: false }).architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
});
