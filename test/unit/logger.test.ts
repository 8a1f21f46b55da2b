import pino from 'pino';
import { isoTimeOncePerMillisecond } from '../../src/logger';

describe('the log timestamp', () => {
  it('is what pino.stdTimeFunctions.isoTime writes', () => {
    const time = isoTimeOncePerMillisecond();
    const ours = time();
    const pinos = pino.stdTimeFunctions.isoTime();
    expect(ours).toMatch(/^,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$/);
    expect(Math.abs(Date.parse(JSON.parse(`{${ours.slice(1)}}`).time) - Date.parse(JSON.parse(`{${pinos.slice(1)}}`).time))).toBeLessThan(1000);
    const spy = jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-11-23T12:00:00.123Z'));
    try {
      expect(time()).toBe(',"time":"2026-11-23T12:00:00.123Z"');
      expect(time()).toBe(',"time":"2026-11-23T12:00:00.123Z"');
      spy.mockReturnValue(Date.parse('2026-11-23T12:00:00.124Z'));
      expect(time()).toBe(',"time":"2026-11-23T12:00:00.124Z"');
    } finally {
      spy.mockRestore();
    }
  });
});
