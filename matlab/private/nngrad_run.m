function data = nngrad_run(command, model, X, options, allowed)
%NNGRAD_RUN  Runs `nngrad COMMAND MODEL` on the points X and returns its JSON report.
%   DATA = NNGRAD_RUN(COMMAND, MODEL, X, OPTIONS, ALLOWED) writes the columns of X (one
%   point per column) to a temporary CSV file, runs the nngrad binary with --format json
%   and --out another temporary file, and returns the decoded report. OPTIONS is the
%   caller's name/value cell ('output', NAME, 'threads', N, ...); ALLOWED lists the names
%   the caller accepts. Both temporary files are removed, also on errors.

  if ~(ischar(model) && isrow(model))
    error('nngrad:usage', 'MODEL must be the path of an .onnx or genFunction .m file');
  end
  if ~isnumeric(X) || ~isreal(X) || ndims(X) > 2 || isempty(X)
    error('nngrad:usage', 'X must be a real, nonempty matrix with one point per column');
  end
  args = {};
  if mod(numel(options), 2) ~= 0
    error('nngrad:usage', 'options come as name, value pairs');
  end
  for k = 1:2:numel(options)
    name = lower(options{k});
    value = options{k + 1};
    if ~ischar(name) || ~any(strcmp(name, allowed))
      error('nngrad:usage', 'unknown option ''%s'' (allowed: %s)', num2str(options{k}), ...
            strjoin(allowed, ', '));
    end
    if isnumeric(value)
      value = sprintf('%d', value);
    end
    args = [args, {['--' name], value}]; %#ok<AGROW>
  end

  bin = getenv('NNGRAD_BIN');
  if isempty(bin)
    bin = 'nngrad';
  end
  points = [tempname() '.csv'];
  report = [tempname() '.json'];
  cleanup = onCleanup(@() remove_files({points, report}));

  fid = fopen(points, 'w');
  if fid < 0
    error('nngrad:io', 'cannot write the temporary file %s', points);
  end
  % One point per line: the columns of X, with the digits that read back to the same double.
  n = size(X, 1);
  fprintf(fid, [repmat('%.17g,', 1, n - 1) '%.17g\n'], double(X));
  fclose(fid);

  words = [{bin, command, model, '--input-file', points, '--format', 'json', ...
            '--out', report}, args];
  line = strjoin(cellfun(@quote, words, 'UniformOutput', false), ' ');
  [status, output] = system([line ' 2>&1']);
  if status ~= 0
    message = strtrim(output);
    if status == 127 || (ispc() && status == 9009)
      message = sprintf(['cannot run "%s" (%s): set the environment variable NNGRAD_BIN ' ...
                         'to the nngrad binary, or put it on the PATH'], bin, message);
    end
    error('nngrad:failed', '%s', message);
  end
  data = jsondecode(fileread(report));
end

function q = quote(word)
  if ispc()
    q = ['"' word '"'];
  else
    q = ['''' strrep(word, '''', '''\''''') ''''];
  end
end

function remove_files(files)
  for k = 1:numel(files)
    if exist(files{k}, 'file')
      delete(files{k});
    end
  end
end
