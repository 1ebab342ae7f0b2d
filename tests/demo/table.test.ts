import { displayWidth, renderTable } from '../../demo/table.js';

describe('renderTable', () => {
  it('counts a Chinese character as two terminal columns and ASCII as one', () => {
    expect(displayWidth('北京市')).toBe(6);
    expect(displayWidth('"未见异常"')).toBe(10);
    expect(displayWidth('green')).toBe(5);
  });

  it('lines up the column after Chinese and ASCII cells at the same terminal column', () => {
    const text = renderTable(['city', 'colour'], [['北京市', 'green'], ['Xinji', 'red']]);
    const lines = text.split('\n');
    const columnOf = (line: string, cell: string): number => displayWidth(line.slice(0, line.indexOf(cell)));
    expect(columnOf(lines[2]!, 'green')).toBe(columnOf(lines[3]!, 'red'));
    expect(columnOf(lines[0]!, 'colour')).toBe(columnOf(lines[2]!, 'green'));
  });
});
