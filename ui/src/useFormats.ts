// The gateway's API formats with their labels, for any page that shows or picks a format.
import { getFormats, type ApiFormatInfo } from './api';
import { useLoad, type Loaded } from './useLoad';

export const useFormats = (): Loaded<ApiFormatInfo[]> => useLoad(getFormats);
