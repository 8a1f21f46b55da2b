import { NEVER, RequestHistory } from '../../src/operations/caches/request-history';

describe('the request history', () => {
  it('answers the number of the previous request for a key, NEVER before its first', () => {
    const history = new RequestHistory(64);
    expect(history.swap(11, 1)).toBe(NEVER);
    expect(history.swap(22, 2)).toBe(NEVER);
    expect(history.swap(11, 3)).toBe(1);
    expect(history.swap(11, 7)).toBe(3);
    expect(history.swap(22, 8)).toBe(2);
  });

  it('forgets a key whose place another key took, rather than answering the other key\'s request', () => {
    const history = new RequestHistory(64);
    const place = (hash: number) => Math.imul(hash, 0x9e3779b1) >>> 26;
    let other = 2;
    while (place(other) !== place(1) || (other & 0xffff) === 1) other++;
    history.swap(1, 1);
    history.swap(other, 2);
    expect(history.swap(1, 3)).toBe(NEVER);
    expect(history.swap(1, 4)).toBe(3);
  });

  it('keeps intervals right past four billion requests', () => {
    const history = new RequestHistory(64);
    history.swap(5, 2 ** 32 - 3);
    expect(history.swap(5, 2 ** 32 + 4)).toBe(2 ** 32 - 3);
    expect(history.swap(5, 2 ** 33 + 1)).toBe(2 ** 32 + 4);
  });
});
