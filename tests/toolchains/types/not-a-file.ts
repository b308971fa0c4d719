// Must NOT compile, in every mode and even with skipLibCheck: a number is not a file.
import { createUploader } from 'ossup';

createUploader({ bucket: 'b', region: 'cn-hangzhou', signForm: async () => ({}) }).upload(123);
