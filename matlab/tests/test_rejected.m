function test_rejected(file)
%TEST_REJECTED  A genFunction file nngrad does not support fails with exit 1 and a
%  one-line message naming the file.
  [status, output] = nngrad_cmd('info', file);
  lines = strsplit(strtrim(output), sprintf('\n'));
  if status ~= 1 || numel(lines) ~= 1 || isempty(strfind(output, file))
    error('expected exit 1 and one line naming the file, got %d: %s', status, output);
  end
end
