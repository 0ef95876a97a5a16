import type { GitClient } from '../git/index.js';

/**
 * The diff a review looks at, cut to fit a prompt. A reviewer gets its prompt as one argv element
 * on most CLIs, and Linux caps one argument at 128 KiB, so a part holds at most PART_CAP characters
 * of diff. A larger diff is reviewed in up to MAX_PARTS parts (split between files); a single
 * file's diff over the cap is cut, and files beyond the last part are left out of the diff but kept
 * in the file list. The result says which.
 */

export const PART_CAP = 80_000;
export const MAX_PARTS = 3;

export interface FileDiff {
  file: string;
  patch: string;
}

export interface DiffPart {
  index: number;
  patches: string[];
}

export interface PreparedDiff {
  base: string;
  head: string;
  /** `git diff --name-status` lines: "M\tsrc/a.ts". */
  fileList: string[];
  bytes: number;
  parts: DiffPart[];
  truncated: boolean;
  /** Files cut short (over the cap by themselves). */
  cutFiles: string[];
  omittedFiles: string[];
}

/** Splits a unified diff into per-file patches. */
export function splitPatch(diff: string): FileDiff[] {
  const out: FileDiff[] = [];
  const starts = [...diff.matchAll(/^diff --git /gm)].map((m) => m.index!);
  starts.forEach((start, i) => {
    const patch = diff.slice(start, starts[i + 1] ?? diff.length);
    const header = /^diff --git a\/(.*?) b\/(.*)$/m.exec(patch);
    out.push({ file: header?.[2] ?? header?.[1] ?? '?', patch });
  });
  return out;
}

/** Packs per-file patches into parts of at most `cap` characters. */
export function packParts(files: readonly FileDiff[], cap = PART_CAP, maxParts = MAX_PARTS) {
  const parts: DiffPart[] = [];
  const cutFiles: string[] = [];
  const omittedFiles: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const f of files) {
    let patch = f.patch;
    if (patch.length > cap) {
      const kept = patch.slice(0, cap - 200);
      const dropped = patch.slice(kept.length).split('\n').length;
      patch = `${kept}\n[flotilla: the rest of this file's diff (${dropped} lines) is cut: over the ${cap}-character cap]\n`;
      cutFiles.push(f.file);
    }
    if (size + patch.length > cap && current.length) {
      parts.push({ index: parts.length + 1, patches: current });
      current = [];
      size = 0;
    }
    if (parts.length >= maxParts) {
      omittedFiles.push(f.file);
      continue;
    }
    current.push(patch);
    size += patch.length;
  }
  if (current.length && parts.length < maxParts) parts.push({ index: parts.length + 1, patches: current });
  return { parts, cutFiles, omittedFiles };
}

/** Merge base of `base` and HEAD in `cwd`, the changed files and the diff, packed into parts. */
export async function prepareDiff(git: GitClient, cwd: string, base: string, cap = PART_CAP): Promise<PreparedDiff> {
  const head = (await git.run(cwd, ['rev-parse', 'HEAD'])).trim();
  const mergeBase = (await git.run(cwd, ['merge-base', '--end-of-options', base, 'HEAD'])).trim();
  const names = await git.run(cwd, ['diff', '--name-status', '--no-color', '--no-ext-diff', mergeBase, head]);
  const diff = await git.run(cwd, ['diff', '--no-color', '--no-ext-diff', '--find-renames', mergeBase, head]);
  const { parts, cutFiles, omittedFiles } = packParts(splitPatch(diff), cap);
  return {
    base: mergeBase,
    head,
    fileList: names.split('\n').filter(Boolean),
    bytes: Buffer.byteLength(diff),
    parts,
    truncated: cutFiles.length > 0 || omittedFiles.length > 0,
    cutFiles,
    omittedFiles,
  };
}

/** What the result says about a diff that did not fit in one prompt. */
export function diffNotes(d: PreparedDiff): string[] {
  const notes: string[] = [];
  const kb = (d.bytes / 1024).toFixed(0);
  if (d.parts.length > 1) notes.push(`the diff (${kb} KiB) was reviewed in ${d.parts.length} parts`);
  if (d.cutFiles.length) notes.push(`diff cut short for ${d.cutFiles.length} large file(s): ${d.cutFiles.join(', ')}`);
  if (d.omittedFiles.length) {
    notes.push(`diff truncated: ${d.omittedFiles.length} file(s) not shown to reviewers (listed only): ${d.omittedFiles.join(', ')}`);
  }
  return notes;
}
