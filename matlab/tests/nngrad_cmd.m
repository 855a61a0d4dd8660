function [status, output] = nngrad_cmd(varargin)
%NNGRAD_CMD  Runs the nngrad binary (NNGRAD_BIN) with the given words; stderr joins stdout.
  words = [{getenv('NNGRAD_BIN')}, varargin];
  quoted = cellfun(@(w) ['''' strrep(w, '''', '''\''''') ''''], words, 'UniformOutput', false);
  [status, output] = system([strjoin(quoted, ' ') ' 2>&1']);
end
