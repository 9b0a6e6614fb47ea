export const argsLineFixtures: [string, string[]][] = [
  ['', []],
  ['a b  c', ['a', 'b', 'c']],
  ['"b c" \'d e\'', ['b c', 'd e']],
  ['f\\ g', ['f g']],
  ['--name="x y"', ['--name=x y']],
  ['"" x', ['', 'x']],
  ['"a \\"q\\""', ['a "q"']],
  ['é ü', ['é', 'ü']],
];
