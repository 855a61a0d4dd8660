function files = find_m_files(folder)
%FIND_M_FILES  The .m files under FOLDER, at any depth, sorted.
  files = {};
  entries = dir(folder);
  if isempty(entries)
    error('no folder %s', folder);
  end
  for k = 1:numel(entries)
    e = entries(k);
    if e.name(1) == '.'
      continue;
    end
    path = fullfile(folder, e.name);
    if e.isdir
      files = [files, find_m_files(path)]; %#ok<AGROW>
    elseif numel(e.name) > 2 && strcmp(e.name(end-1:end), '.m')
      files{end + 1} = path; %#ok<AGROW>
    end
  end
  files = sort(files);
end
