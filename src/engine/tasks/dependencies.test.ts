import { describe, expect, it } from 'vitest';
import { findDependencyCycle } from './dependencies.js';

describe('dependency cycles', () => {
  const tasks = [
    { id: 'a', after: [] },
    { id: 'b', after: ['a'] },
    { id: 'c', after: ['b'] },
  ];
  it('finds none for a new task after existing ones', () => {
    expect(findDependencyCycle(tasks, 'd', ['c', 'a'])).toBeNull();
  });
  it('finds a self-dependency', () => {
    expect(findDependencyCycle(tasks, 'd', ['d'])).toEqual(['d', 'd']);
  });
  it('finds a longer cycle when a task is changed to wait for a dependent', () => {
    expect(findDependencyCycle(tasks, 'a', ['c'])).toEqual(['a', 'c', 'b', 'a']);
  });
});
