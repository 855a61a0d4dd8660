% The Octave (and MATLAB) suite of the nngrad wrappers and of the MATLAB loader.
%
% Run from the repository root by matlab/run_tests.sh, which builds the binary and sets
% NNGRAD_BIN (the binary) and NNGRAD_SHARED (the shared data folder). Prints one line per
% test and closes with `octave: N passed, M failed`; exits 1 if any failed.

here = fileparts(mfilename('fullpath'));
root = fileparts(fileparts(here));
addpath(fileparts(here));   % the wrappers
addpath(here);              % the test helpers
shared = getenv('NNGRAD_SHARED');
if isempty(shared)
  shared = fullfile(fileparts(root), 'shared');
end

tests = {};
% The wrappers against the fixtures' independent reference Jacobians.
tests{end + 1} = {'wrapper jacobian, ONNX wine classifier', @() test_wrapper_reference( ...
  fullfile(root, 'tests', 'data', 'onnx', 'wine_mlp_relu_softmax_classifier'), 'model.onnx')};
tests{end + 1} = {'wrapper jacobian, ONNX diabetes regressor', @() test_wrapper_reference( ...
  fullfile(root, 'tests', 'data', 'onnx', 'diabetes_mlp_tanh_regressor'), 'model.onnx')};
tests{end + 1} = {'wrapper jacobian, MATLAB shallow_tansig_struct', @() test_wrapper_reference( ...
  fullfile(root, 'tests', 'data', 'matlab', 'shallow_tansig_struct'), 'myNeuralNetworkFunction.m')};
tests{end + 1} = {'wrapper jacobian, MATLAB deep_logsig_flat_mapstd', @() test_wrapper_reference( ...
  fullfile(root, 'tests', 'data', 'matlab', 'deep_logsig_flat_mapstd'), 'netFcn.m')};
tests{end + 1} = {'wrapper forward and sensitivity', @() test_wrapper_forward_sensitivity(root)};
tests{end + 1} = {'wrapper errors', @() test_wrapper_errors(root)};

% Every genFunction test file, run by Octave itself.
files = {};
for dir_ = {fullfile(shared, 'matlab-genfunction'), fullfile(root, 'tests', 'data', 'matlab')}
  found = find_m_files(dir_{1});
  files = [files, found]; %#ok<AGROW>
end
if numel(files) < 10
  error('found only %d genFunction files (is NNGRAD_SHARED=%s right?)', numel(files), shared);
end
for k = 1:numel(files)
  file = files{k};
  [~, name] = fileparts(file);
  if strcmp(name, 'narx_unsupported')
    tests{end + 1} = {['genFunction rejected: ' file], @() test_rejected(file)}; %#ok<AGROW>
  else
    tests{end + 1} = {['genFunction in Octave: ' file], @() test_genfunction(file)}; %#ok<AGROW>
  end
end

passed = 0;
failed = 0;
for k = 1:numel(tests)
  try
    tests{k}{2}();
    passed = passed + 1;
    printf('ok    %s\n', tests{k}{1});
  catch err
    failed = failed + 1;
    printf('FAIL  %s\n      %s\n', tests{k}{1}, strrep(err.message, sprintf('\n'), sprintf('\n      ')));
  end
end
printf('octave: %d passed, %d failed\n', passed, failed);
exit(failed > 0);
