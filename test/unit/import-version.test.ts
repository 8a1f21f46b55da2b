import { nextVersion } from '../../src/municipal/import-version';

test("the version an import writes after another is that one's last number one up, or '.1' added to one without a number", () => {
  const versions = ['1.0.0', '1.0.9', '2', '2026.4', '2026-v4', '1.0.0-rc', '99999999999999999999', 'udkast'];
  expect(versions.map(nextVersion)).toEqual(['1.0.1', '1.0.10', '3', '2026.5', '2026-v5', '1.0.1-rc', '100000000000000000000', 'udkast.1']);
});
