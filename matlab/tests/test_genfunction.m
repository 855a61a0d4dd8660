function test_genfunction(file)
%TEST_GENFUNCTION  Octave runs the genFunction file FILE itself: its outputs must equal
%  nngrad's (the Rust loader, ShallowNet::forward) to 1e-12 relative, and nngrad's Jacobian
%  must equal Octave-side central differences of the same file within their error, bounded
%  entry by entry by a Richardson estimate of the truncation error (|FD(2h) - FD(h)|) plus
%  the rounding error of the quotient.
  [folder, name] = fileparts(file);
  [status, text] = nngrad_cmd('info', file, '--format', 'json');
  if status ~= 0
    error('nngrad info failed: %s', text);
  end
  info = jsondecode(text);
  lens = arrayfun(@(p) p.shape(1), info.inputs)';
  n = sum(lens);
  X = points_for(folder, name, n);

  runnable = runnable_copy(file, name);
  old = addpath(fileparts(runnable));
  restore = onCleanup(@() path(old));
  call = octave_caller(runnable, name, lens);

  Y = call(X);
  Yn = nngrad_forward(file, X);
  scale = max(abs(Y), [], 2);                 % per output, over the points
  gap = max(abs(Yn - Y), [], 2);
  bad = find(~(gap <= 1e-12 * max(scale, realmin)));
  if ~isempty(bad)
    error('output %d: nngrad differs from Octave by %.3e (largest |y| %.3e)', ...
          bad(1), gap(bad(1)), scale(bad(1)));
  end

  [~, J] = nngrad_jacobian(file, X);
  m = size(Y, 1);
  for p = 1:size(X, 2)
    x = X(:, p);
    for j = 1:n
      h = eps ^ (1 / 3) * max(abs(x(j)), 1);
      fd1 = difference(call, x, j, h);
      fd2 = difference(call, x, j, 2 * h);
      ymax = max(abs(call(x)));
      allowed = abs(fd2 - fd1) + 100 * eps * max(ymax, realmin) / h;
      got = J(:, j, p);
      if any(~(abs(got - fd1) <= allowed))
        i = find(~(abs(got - fd1) <= allowed), 1);
        error('point %d, d y%d / d x%d: nngrad %.15g, central difference %.15g (allowed gap %.3e)', ...
              p, i, j, got(i), fd1(i), allowed(i));
      end
      % The bound must be tight enough for the comparison to mean something.
      if any(allowed > 1e-6 * max(max(abs(J(:, :, p)), [], 2), 1))
        error('point %d, input %d: the finite differences are too inexact to check (%.3e)', ...
              p, j, max(allowed));
      end
    end
  end
  if size(J, 1) ~= m
    error('J has %d rows for %d outputs', size(J, 1), m);
  end
end

function d = difference(call, x, j, h)
  up = x;
  down = x;
  up(j) = x(j) + h;
  down(j) = x(j) - h;
  d = (call(up) - call(down)) / ((x(j) + h) - (x(j) - h));
end

function X = points_for(folder, name, n)
% The fixture's own points where it has them, else fixed pseudo-random ones in [-1, 1].
  sidecars = {fullfile(folder, [name '.json']), fullfile(folder, 'reference.json')};
  for k = 1:2
    if exist(sidecars{k}, 'file')
      data = jsondecode(fileread(sidecars{k}));
      if isfield(data, 'points')
        X = data.points';
        if size(X, 1) == n
          return;
        end
      end
    end
  end
  rand('seed', 7);
  X = 2 * rand(n, 6) - 1;
end

function call = octave_caller(file, name, lens)
% A function of X (n x batch) that runs the file's own function: separate arguments for
% several inputs, the cell signature [Y,Xf,Af] = f(X,~,~) with Q x n time steps.
  fid = fopen(file);
  first = '';
  while isempty(strtrim(first))
    first = fgetl(fid);
  end
  fclose(fid);
  f = str2func(name);
  if ~isempty(regexp(first, '^\s*function\s*\[\s*Y\s*,', 'once'))
    call = @(X) cell2mat(f({X'}))';
  elseif numel(lens) == 1
    call = f;
  else
    ends = cumsum(lens);
    starts = ends - lens + 1;
    call = @(X) call_split(f, X, starts, ends);
  end
end

function Y = call_split(f, X, starts, ends)
  args = cell(1, numel(starts));
  for k = 1:numel(starts)
    args{k} = X(starts(k):ends(k), :);
  end
  Y = f(args{:});
end

function runnable = runnable_copy(file, name)
% FILE itself, unless Octave refuses to parse it. Octave (like MATLAB) refuses a file whose
% main function is closed with `end` while its module functions are not; the loader takes
% such a file, so Octave runs a copy with every function closed -- a change of syntax only.
  runnable = file;
  text = fileread(file);
  starts = regexp(text, '(^|\n)\s*function\s', 'start');
  ends = regexp(text, '(^|\n)\s*end\s*(\n|$)', 'start');
  if isempty(ends) || numel(ends) >= numel(starts)
    return;
  end
  lines = strsplit(strrep(text, sprintf('\r'), ''), sprintf('\n'));
  out = {};
  open = false;
  last = '';
  for k = 1:numel(lines)
    line = lines{k};
    if ~isempty(regexp(line, '^\s*function\s', 'once'))
      if open && ~strcmp(strtrim(last), 'end')
        out{end + 1} = 'end'; %#ok<AGROW>
      end
      open = true;
    end
    out{end + 1} = line; %#ok<AGROW>
    if ~isempty(strtrim(line)) && isempty(regexp(line, '^\s*%', 'once'))
      last = line;
    end
  end
  if open && ~strcmp(strtrim(last), 'end')
    out{end + 1} = 'end';
  end
  folder = tempname();
  mkdir(folder);
  runnable = fullfile(folder, [name '.m']);
  fid = fopen(runnable, 'w');
  fprintf(fid, '%s\n', out{:});
  fclose(fid);
end
