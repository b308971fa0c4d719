import { useState } from 'react';
import { useLoad, getCurrentInstance } from '@tarojs/taro';
import { View, Button, Text } from '@tarojs/components';
import { API_BASE, createUploadLogic } from '../../upload-logic';

export default function Upload() {
  const [state, setState] = useState({ engine: '', message: '', files: [] });
  const [logic] = useState(() => {
    const { apiBase } = (getCurrentInstance().router || {}).params || {};
    return createUploadLogic(setState, { apiBase: apiBase ? decodeURIComponent(apiBase) : API_BASE });
  });
  useLoad(() => logic.init());
  return (
    <View className="page">
      <Button id="choose" disabled={!state.engine} onClick={() => logic.choose()}>
        Choose images
      </Button>
      {state.files.map((file, i) => (
        <View key={i} className="file">
          <Text className="name">{file.name}</Text> <Text className="state">{file.state}</Text>{' '}
          <Text className="key">{file.key}</Text>
        </View>
      ))}
      <Text id="message">{state.message}</Text>
      <Text id="engine">{state.engine}</Text>
    </View>
  );
}
